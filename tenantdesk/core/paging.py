"""Pages of long lists whose length is counted only up to a cap.

Counting a year of closed requests on every list load reads all of them; past a few
hundred pages nobody pages on (they search or filter), so a list counts at most `cap + 1`
rows (`SELECT COUNT(*) FROM (… LIMIT cap + 1)`), shows "more than N", and offers the first
`cap` rows' pages. The cost of a count and of the deepest page is then bounded whatever
the history holds.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Rows a list counts and pages through at most (400 pages of 25).
LIST_COUNT_CAP = 10_000


def capped_count(queryset, cap: int | None = None) -> int:
    """The number of rows, or cap + 1 when there are more than cap (one bounded query)."""
    cap = LIST_COUNT_CAP if cap is None else cap
    return queryset.order_by()[: cap + 1].count()


class CappedPaginator(Paginator):
    """A Paginator over at most `cap` rows; `more` tells that the list holds more.

    `known_count` is a count made already (e.g. with the tabs' counts, capped_count's
    answer), so the list is not counted twice."""

    def __init__(
        self,
        object_list,
        per_page,
        orphans=0,
        allow_empty_first_page=True,
        *,
        cap: int | None = None,
        known_count=None,
    ):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.cap = LIST_COUNT_CAP if cap is None else cap
        self._known_count = known_count

    @cached_property
    def total(self) -> int:
        if self._known_count is not None:
            return self._known_count
        return capped_count(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self.total, self.cap)

    @property
    def more(self) -> bool:
        return self.total > self.cap
