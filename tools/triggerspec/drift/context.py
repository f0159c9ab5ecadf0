"""What every docs-versus-spec comparison of one page needs: the page, its operation, the spec."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triggerspec.drift.fields import Shape
from triggerspec.drift.findings import Finding
from triggerspec.drift.view import PageView
from triggerspec.spec.defects import DocDefects
from triggerspec.spec.model import Api, Operation


@dataclass(frozen=True)
class PageContext:
    """One page bound to the operation it documents."""

    view: PageView
    api: Api
    op: Operation
    shape: Shape
    defects: DocDefects

    @property
    def spec(self) -> str:
        """The spec file as shown to users."""
        return self.api.document.display

    def status(self, documented: str | None) -> str | None:
        """The spec response status a page's status means (``None``: the success one)."""
        if documented is None:
            return self.op.success.status
        for response in self.op.responses:
            if response.status == documented:
                return response.status
        for response in self.op.responses:
            mask = response.status.upper()
            if len(mask) == 3 and mask.endswith("XX") and documented[:1] == mask[0]:
                return response.status
        return None

    def part_name(self, part: str, status: str | None) -> str:
        """``parameters``, ``request`` or ``response <status>``."""
        if part != "response":
            return part
        return f"response {self.status(status) or status or self.op.success.status}"

    def finding(
        self,
        kind: str,
        message: str,
        *,
        line: int | None = None,
        pointer: str | None = None,
        part: str = "",
        subject: str = "",
        detail: Any = "",
    ) -> Finding:
        """A finding about this page and operation."""
        return Finding(
            kind=kind,
            message=message,
            page=self.view.name,
            page_display=self.view.display,
            line=line,
            spec=self.spec,
            pointer=pointer,
            operation=self.op.operation_id,
            part=part,
            subject=subject,
            detail=str(detail),
        )
