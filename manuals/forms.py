import re

from wagtail.admin.forms import WagtailAdminPageForm

_CODE = re.compile(r"^([a-z])(\d+)$")


def _history_numbers(page, relation: str, prefix: str) -> set[int]:
    """Every code number the item has ever used, in any revision, so none is reused."""
    numbers: set[int] = set()
    if page is None or page.pk is None:
        return numbers
    for content in page.revisions.values_list("content", flat=True):
        for row in (content or {}).get(relation, []):
            match = _CODE.match(row.get("code") or "")
            if match and match.group(1) == prefix:
                numbers.add(int(match.group(2)))
    return numbers


def next_codes(used: set[int], prefix: str, count: int) -> list[str]:
    start = max(used, default=0) + 1
    return [f"{prefix}{n}" for n in range(start, start + count)]


class ServiceItemPageForm(WagtailAdminPageForm):
    """Gives new conditions and materials a permanent code (c7, m4…) on save."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each edit must state its own nature; last time's choice does not carry over.
        for name in ("change_kind", "change_note"):
            if name in self.fields:
                self.initial[name] = ""

    def save(self, commit=True):
        # Child formsets are only cleaned after clean() runs, so codes are given
        # here, on the page that is about to become a revision.
        page = super().save(commit=False)
        for relation, prefix in (("conditions", "c"), ("materials", "m")):
            rows = list(getattr(page, relation).all())
            used = _history_numbers(self.instance, relation, prefix)
            for row in rows:
                match = _CODE.match(row.code or "")
                if match and match.group(1) == prefix:
                    used.add(int(match.group(2)))
            needing = [row for row in rows if not _CODE.match(row.code or "")]
            for row, code in zip(
                needing, next_codes(used, prefix, len(needing)), strict=True
            ):
                row.code = code
        if commit:
            page.save()
        return page
