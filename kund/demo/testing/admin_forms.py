"""Posting to the Django admin in tests as a browser would: read the add or change page, keep every field
it would send (inline management forms included), change some, add inline rows, post."""

from html.parser import HTMLParser

TEMPLATE = "__prefix__"


class _FormFields(HTMLParser):
    """The fields of one <form> (by id), as (name, value) pairs, in page order."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and self._options:
                chosen = [self._options[0][0]]  # a single select sends its first option
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


class AdminForm:
    """The data an admin add or change page would post (`response` is its GET)."""

    def __init__(self, response, model_name: str):
        parser = _FormFields(f"{model_name}_form")
        parser.feed(response.content.decode())
        assert parser.fields, f"no form {model_name}_form on the page"
        self.templates = [(name, value) for name, value in parser.fields if TEMPLATE in name]
        self.values: dict[str, str] = {}
        for name, value in parser.fields:
            if TEMPLATE not in name:
                self.values[name] = value

    def set(self, **values) -> "AdminForm":
        self.values.update({name: "" if value is None else str(value) for name, value in values.items()})
        return self

    def add_row(self, prefix: str, **values) -> "AdminForm":
        """A new row in the inline with this prefix (e.g. "branches"), filled from the page's empty form."""
        index = int(self.values[f"{prefix}-TOTAL_FORMS"])
        for name, value in self.templates:
            if name.startswith(f"{prefix}-{TEMPLATE}-"):
                self.values[name.replace(TEMPLATE, str(index))] = value
        for field, value in values.items():
            self.values[f"{prefix}-{index}-{field}"] = "" if value is None else str(value)
        self.values[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
        return self

    def data(self, button: str = "_save") -> dict:
        return {**self.values, button: "Save"}
