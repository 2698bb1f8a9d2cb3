"""The NHS.UK date input as a WTForms field: three boxes named `<name>-day`, `-month` and `-year`,
read by the one helper (`domain.dates.parse_date_parts`); an ISO date under the field's own name
is still accepted, as a script or an older form sends it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from wtforms import Field
from wtforms.utils import unset_value

from referral_service.domain.dates import PARTS, parse_date_parts


class DateInputField(Field):
    """Rendered by the `date_input` macro in web/_forms.html."""

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors: list[str] = []
        self.typed: Mapping[str, str] | None = None
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = self.data = data
        self.raw_data = []
        if formdata is None:
            return
        if any(f"{self.name}-{part}" in formdata for part in PARTS):
            self.typed = {part: (formdata.get(f"{self.name}-{part}") or "").strip() for part in PARTS}
            if any(self.typed.values()):
                self.raw_data = [" ".join(self.typed.values())]
                self._parse(lambda: parse_date_parts(**self.typed, what=self.label.text))
        elif formdata.get(self.name):
            self.raw_data = [formdata.get(self.name)]
            self._parse(lambda: date.fromisoformat(formdata.get(self.name)))

    def _parse(self, read: Any) -> None:
        try:
            self.data = read()
        except ValueError as error:
            self.data = None
            said = str(error)
            self.process_errors.append(
                said if said.startswith(self.label.text) else f"{self.label.text} must be a real date"
            )

    @property
    def parts(self) -> Mapping[str, str]:
        """What goes back into the three boxes: what was typed, or the date the form holds."""
        if self.typed is not None:
            return self.typed
        if isinstance(self.data, date):
            return {"day": str(self.data.day), "month": str(self.data.month), "year": str(self.data.year)}
        return dict.fromkeys(PARTS, "")
