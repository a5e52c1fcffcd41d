"""The admin's page for publication duty rules: list, add (periodic or amount
threshold) and disable. The rules are public policy, so every change goes
through ``duties`` and is audited there; this module only renders and routes.
"""
from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from portal.core.forms import ButtonForm, action_required, submit
from portal.publications import duties
from portal.publications.blueprint import bp
from portal.publications.categories import CATEGORIES, POWER_CATEGORIES
from portal.publications.models import DutyRule


class RuleForm(FlaskForm):
    name = StringField(_l("规则名称"))
    kind = SelectField(_l("规则类型"), choices=[(k, _l(v)) for k, v in duties.KINDS.items()],
                       validate_choice=False)
    category = SelectField(_l("公开类别"), choices=[(k, _l(v)) for k, v in CATEGORIES.items()],
                           validate_choice=False)
    power_category = SelectField(_l("权力类别（可不选）"), choices=[("", _l("（不限）"))] + [
        (k, _l(v)) for k, v in POWER_CATEGORIES.items()], validate_choice=False)
    frequency = SelectField(_l("频率（定期公开）"), choices=[(k, _l(v)) for k, v in duties.FREQUENCIES.items()],
                            validate_choice=False)
    grace_days = StringField(_l("宽限天数（定期公开）"), default="10")
    threshold = StringField(_l("金额门槛（元，按金额公开）"))
    within_days = StringField(_l("决定后几天内公开（按金额公开）"))


@bp.route("/admin/duties", methods=["GET", "POST"])
@action_required("publication.duties")
def duty_rules():
    """Every rule (active first) with the form to add one; refused input re-shows the form."""
    form = RuleForm()

    def write():
        rule = duties.add_rule(current_user, form.name.data, form.category.data, form.frequency.data,
                               form.grace_days.data, form.power_category.data, form.kind.data,
                               form.threshold.data, form.within_days.data)
        return _("已添加公开责任：%(name)s", name=rule.name)

    done, status = submit(form, write, url_for("publications.duty_rules"))
    if done:
        return done
    rules = DutyRule.select().order_by(DutyRule.active.desc(), DutyRule.id)
    return render_template("publications/duty_rules.html", form=form, rules=rules, toggle=ButtonForm(),
                           categories=CATEGORIES, power_categories=POWER_CATEGORIES,
                           frequencies=duties.FREQUENCIES), status


@bp.post("/admin/duties/<int:rule_id>/disable")
@action_required("publication.duties")
def disable_duty_rule(rule_id):
    """Disable one rule (audited); villages are no longer measured against it."""
    rules_page = url_for("publications.duty_rules")

    def write():
        rule = duties.disable_rule(current_user, duties.get_rule(rule_id))
        return _("已停用公开责任：%(name)s", name=rule.name)

    return submit(ButtonForm(), write, rules_page, rules_page)[0]
