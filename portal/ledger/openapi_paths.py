"""The three capitals' part of the OpenAPI document: the real shape of every answer."""
from portal.core.openapi import DATE, INTEGER, STRING, array, listing, nullable, obj, operation, param, path_id, ref

TAG = "ledger"
MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "yuan, two decimals"}
N_MONEY = {"type": ["string", "null"], "pattern": r"^-?\d+\.\d{2}$"}
N_STR = {"type": ["string", "null"]}
N_INT = {"type": ["integer", "null"]}
VILLAGE = param("village_code", "path", STRING)


def _op(summary, **kw):
    return operation(summary, TAG, **kw)


SCHEMAS = {
    "LedgerEntry": obj(("id", "village", "voucher_no", "date", "summary", "account", "direction", "amount", "status",
                        "url", "audit_index", "invoices"),
                       id=INTEGER, village=STRING, voucher_no=STRING, date=DATE, month=STRING, summary=STRING,
                       account=STRING, account_name=STRING, direction={"type": "string", "enum": ["income", "expense"]},
                       amount=MONEY, settlement={"type": "string", "enum": ["cash", "bank"]}, counterparty=STRING,
                       counterparty_code=STRING, handler=STRING, approver=STRING, reverses=N_INT, reversed_by=N_INT,
                       contract=N_INT, decision=N_STR, status={"type": "string", "enum": ["recorded", "published"]},
                       audit_index=N_INT, url=STRING,
                       invoices=array(obj(("id", "sha256"), id=INTEGER, filename=STRING, mime=STRING, sha256=STRING,
                                          thumbnail=N_STR, file=STRING))),
    "LedgerStatement": obj(("village", "period", "opening_balance", "income", "expense", "closing_balance",
                            "by_account"),
                           village=STRING, period=STRING, kind=STRING, opening_balance=MONEY, opening_cash=MONEY,
                           opening_bank=MONEY, income=MONEY, expense=MONEY, closing_balance=MONEY, closing_cash=MONEY,
                           closing_bank=MONEY, by_account=array(obj(("account", "name", "income", "expense"),
                                                                    account=STRING, name=STRING, income=MONEY,
                                                                    expense=MONEY))),
    "LedgerPeriod": obj(("village", "month", "status"), village=STRING, month=STRING,
                        status={"type": "string", "enum": ["open", "approved", "returned", "published"]},
                        status_name=STRING, review_note=N_STR, audit_index=N_INT, publication=N_INT),
    "Contract": obj(("id", "title", "counterparty", "amount", "unit", "start", "end", "alerts", "url"),
                    id=INTEGER, village=STRING, kind={"type": "string", "enum": ["lease", "contract"]}, title=STRING,
                    counterparty=STRING, counterparty_code=STRING, object=STRING, asset=N_INT, area_mu=N_STR,
                    amount=MONEY, unit=STRING, start=DATE, end=DATE, decision=N_STR, state=STRING, url=STRING,
                    audit_index=N_INT,
                    schedule=array(obj(("due", "amount"), due=DATE, amount=MONEY)),
                    payments=array(obj(("entry", "date", "amount"), entry=INTEGER, date=DATE, amount=MONEY)),
                    alerts=array(obj(("code", "title", "evidence"), code=STRING, title=STRING,
                                     evidence={"type": "object"}))),
}

_ENTRY_IN = obj(("village", "voucher_no", "date", "summary", "account", "direction", "amount"),
                village=STRING, voucher_no=STRING, date={"type": "string", "format": "date"}, summary=STRING,
                account=STRING, direction={"type": "string", "enum": ["income", "expense"]},
                amount={"type": "string", "pattern": r"^\d+(\.\d{1,2})?$", "description": "yuan as a string; floats refused"},
                settlement={"type": "string", "enum": ["cash", "bank"]}, counterparty=STRING,
                counterparty_code=STRING, handler=STRING, approver=STRING, contract=INTEGER, decision=STRING,
                reverses={"type": "integer", "description": "红字冲销: the id of the entry this one reverses"})
_CONTRACT_IN = obj(("village", "kind", "title", "counterparty", "object", "amount", "start", "end"),
                   village=STRING, kind={"type": "string", "enum": ["lease", "contract"]}, title=STRING,
                   counterparty=STRING, counterparty_code=STRING, object=STRING, asset=INTEGER, area_mu=STRING,
                   amount=STRING, unit={"type": "string", "enum": ["yuan_per_mu_year", "yuan_per_year", "total"]},
                   start={"type": "string", "format": "date"}, end={"type": "string", "format": "date"},
                   decision=STRING, schedule=array(obj(("due", "amount"), due=STRING, amount=STRING)))
_ROW_ERROR = obj(("code", "message", "rows"), code={"type": "string", "enum": ["invalid_rows"]}, message=STRING,
                 rows=array(obj(("row", "column", "value", "message"), row=INTEGER, column=STRING, value=STRING,
                                message=STRING)))

PATHS = {
    "/api/v1/ledger/accounts": {"get": _op("The chart of accounts in use", params=[param("chart")], response=obj(
        ("chart", "accounts"), chart=STRING, accounts=array(obj(("code", "name", "kind"), code=STRING, name=STRING,
                                                                 kind=STRING, parent=N_STR))))},
    "/api/v1/ledger/charts": {"get": _op("Chart versions and the old→new mapping", response=obj(
        ("charts", "mapping"), in_use=STRING, charts=array({"type": "object"}), mapping=array({"type": "object"})))},
    "/api/v1/ledger/entries": {
        "get": _op("Published entries", params=[param("village"), param("from"), param("to"), param("account"),
                                                param("page", schema=INTEGER)],
                   response=listing("entries", ref("LedgerEntry"))),
        "post": _op("Record an entry (clerk); a correction is a reversal", body=_ENTRY_IN, auth=True,
                    response=ref("LedgerEntry"), status="201")},
    "/api/v1/ledger/entries/{entry_id}": {"get": _op("One published entry", params=[path_id("entry_id")],
                                                     response=ref("LedgerEntry"))},
    "/api/v1/ledger/entries/{entry_id}/invoices": {"post": _op(
        "Attach an invoice (PDF/JPEG/PNG)", params=[path_id("entry_id")], auth=True, status="201",
        form=obj(("file",), file={"type": "string", "format": "binary"}), response=ref("LedgerEntry"))},
    "/api/v1/ledger/import": {"post": _op(
        "Import a month from CSV/XLSX, all or nothing", auth=True, status="201",
        form=obj(("file", "village"), file={"type": "string", "format": "binary"}, village=STRING, month=STRING),
        response=obj(("imported", "batch"), imported=INTEGER, batch=INTEGER, month=STRING, audit_index=N_INT),
        description="400 invalid_rows: " + str(_ROW_ERROR["required"]) + "; 409 duplicate_import")},
    "/api/v1/ledger/periods/{village_code}": {"get": _op("A village's months and their duty status", params=[VILLAGE],
                                                         response=obj(("village", "months"), village=STRING,
                                                                      months=array({"type": "object"})))},
    "/api/v1/ledger/statements/{unit_code}": {"get": _op(
        "Statement of a village, township or county", params=[param("unit_code", "path", STRING),
                                                              param("period", required=True)],
        response=ref("LedgerStatement"))},
    "/api/v1/contracts": {
        "get": _op("Public contracts with alerts", params=[param("village"), param("page", schema=INTEGER)],
                   response=listing("contracts", ref("Contract"))),
        "post": _op("Record a lease or contract (clerk)", body=_CONTRACT_IN, auth=True, status="201",
                    response=ref("Contract"))},
    "/api/v1/contracts/{contract_id}": {"get": _op("One contract", params=[path_id("contract_id")],
                                                   response=ref("Contract"))},
}
for _step, _summary in (("approve", "民主理财小组 sign-off (supervisor)"), ("send_back", "Send back (supervisor)"),
                        ("publish", "Publish the month (clerk)")):
    PATHS[f"/api/v1/ledger/periods/{{village_code}}/{{month}}/{_step}"] = {"post": _op(
        _summary, params=[VILLAGE, param("month", "path", STRING)], auth=True, response=ref("LedgerPeriod"),
        body=obj((), reason=STRING) if _step == "send_back" else None)}
