"""Forms for the clerk's and supervisor's pages (Flask-WTF: CSRF on every POST).

Field validation lives in the services so the API and the pages refuse the
same input with the same Chinese message; forms carry the CSRF token and
render the fields.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField

from portal.publications.categories import CATEGORIES


class ActionForm(FlaskForm):
    """A button that changes state (approve, publish): only the CSRF token."""


class DraftForm(FlaskForm):
    title = StringField(_l("标题"))
    category = SelectField(_l("公开类别"), choices=[(k, _l(v)) for k, v in CATEGORIES.items()], validate_choice=False)
    power = SelectField(_l("权力清单事项"), choices=[], validate_choice=False)
    period_start = StringField(_l("公示开始日期"))
    period_end = StringField(_l("公示结束日期"))
    amount = StringField(_l("金额（元，可不填）"))
    decided_on = StringField(_l("决定日期"))
    body = TextAreaField(_l("正文（支持Markdown）"))

    def with_powers(self, powers):
        self.power.choices = [("", _("（不涉及）"))] + [(p.code, f"{p.code} {p.name}") for p in powers]
        return self


class CorrectionForm(DraftForm):
    correction_note = TextAreaField(_l("更正说明"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("理由"))


class TextForm(FlaskForm):
    """An objection or the clerk's answer to one."""
    text = TextAreaField(_l("内容"))


class ModerateForm(FlaskForm):
    decision = RadioField(_l("审核结果"), choices=[("show", _l("公开")), ("reject", _l("不予公开"))], default="show",
                          validate_choice=False)
    note = StringField(_l("说明"))


class UploadForm(FlaskForm):
    file = FileField(_l("附件（PDF、JPEG、PNG）"))


class StepForm(FlaskForm):
    step = SelectField(_l("步骤"), choices=[], validate_choice=False)
    done_on = StringField(_l("完成日期"))
    note = StringField(_l("说明"))
