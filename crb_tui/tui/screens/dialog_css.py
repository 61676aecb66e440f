"""The CSS every dialog shares, loaded with the first dialog shown (not at start-up)."""

DIALOG_CSS = """
Dialog, ChoiceDialog, CommitmentPicker, HelpScreen, ProblemScreen { align: center middle; }
.dialog {
    width: 78;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    padding: 0 1;
    border: thick $primary;
    background: $surface;
}
.dialog-title { margin-bottom: 1; }
.dialog-list { margin-bottom: 1; color: $text; }
.field { height: auto; margin-bottom: 1; }
.field-label { width: 11; color: $text-muted; }
.field Input { width: 1fr; }
.choices {
    layout: horizontal;
    width: 1fr;
    height: auto;
    & > RadioButton { width: auto; margin-right: 2; }
    &:focus { background: $boost; }
}
ValueDialog #kind { layout: grid; grid-size: 3; }
.dialog Checkbox { margin: 0 0 1 11; }
.dialog-error { color: $error; height: auto; display: none; }
.dialog-buttons { height: 1; margin-top: 1; }
.dialog-buttons Button { margin-right: 2; }
.dialog-choices { height: auto; margin-bottom: 1; }
.dialog-choices Button { margin-right: 1; }
/* Narrow terminals: the options in rows of three rather than cut at the edge. */
.-narrow .dialog-choices { layout: grid; grid-size: 3; grid-rows: 1; grid-gutter: 0 1; }
.-narrow .dialog-choices Button { width: 1fr; margin-right: 0; }
.dialog-hint { color: $text-muted; margin-top: 1; }
.dialog #commitments { height: auto; max-height: 12; }
.dialog.help { width: 100%; max-width: 150; height: 90%; }
#help-keys { height: 1fr; }
.dialog.problem { width: 90; }
"""
