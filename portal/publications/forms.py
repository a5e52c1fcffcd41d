"""Forms for the clerk's and supervisor's pages (Flask-WTF: CSRF on every POST).

Field validation lives in the services so the API and the pages refuse the
same input with the same Chinese message; forms carry the CSRF token and
render the fields.
"""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField

from portal.publications.categories import CATEGORIES


class ActionForm(FlaskForm):
    """A button that changes state (approve, publish): only the CSRF token."""


class DraftForm(FlaskForm):
    title = StringField("标题")
    category = SelectField("公开类别", choices=list(CATEGORIES.items()), validate_choice=False)
    power = SelectField("权力清单事项", choices=[], validate_choice=False)
    period_start = StringField("公示开始日期")
    period_end = StringField("公示结束日期")
    body = TextAreaField("正文（支持Markdown）")

    def with_powers(self, powers):
        self.power.choices = [("", "（不涉及）")] + [(p.code, f"{p.code} {p.name}") for p in powers]
        return self


class CorrectionForm(DraftForm):
    correction_note = TextAreaField("更正说明")


class ReasonForm(FlaskForm):
    reason = TextAreaField("理由")


class ObjectionForm(FlaskForm):
    text = TextAreaField("异议内容")


class ModerateForm(FlaskForm):
    decision = RadioField("审核结果", choices=[("show", "公开"), ("reject", "不予公开")], default="show",
                          validate_choice=False)
    note = StringField("说明")


class AnswerForm(FlaskForm):
    text = TextAreaField("答复")


class UploadForm(FlaskForm):
    file = FileField("附件（PDF、JPEG、PNG）")


class StepForm(FlaskForm):
    step = SelectField("步骤", choices=[], validate_choice=False)
    done_on = StringField("完成日期")
    note = StringField("说明")
