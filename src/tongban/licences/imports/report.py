"""What a licence file holds (its fields and formats) and what an import answers: the report, its rejected
rows with their reason codes, and the error for a file that cannot be read at all."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

FORMATS = ("jsonl", "csv")
FIELDS = (
    "identifier",
    "number",
    "holder_code",
    "holder_name",
    "issuer_name",
    "issue_date",
    "valid_from",
    "valid_until",
    "status",
    "face",
)
REQUIRED = ("identifier", "number", "holder_code", "holder_name", "issuer_name", "issue_date")
TEXT_LIMITS = {"number": 64, "holder_name": 200, "issuer_name": 200}

# Why a row was refused (stable codes, in the report and the rejected-rows CSV).
REASONS = {
    "invalid_json": _("不是有效的 JSON 对象"),
    "invalid_encoding": _("不是有效的 UTF-8 文本"),
    "missing_field": _("缺少必填字段"),
    "invalid_value": _("字段应为文本"),
    "too_long": _("字段超长"),
    "invalid_character": _("含有不允许的字符（NUL）"),
    "identifier_root": _("证照标识的根代码不是 1.2.156.3005.2"),
    "identifier_structure": _("证照标识结构有误"),
    "identifier_type_code": _("证照标识中的证照类型代码无效"),
    "identifier_issuer_code": _("证照标识中的颁发机构代码无效"),
    "identifier_serial": _("证照标识中的流水号无效"),
    "identifier_version": _("证照标识中的版本号无效"),
    "identifier_check_character": _("证照标识校验位错误"),
    "unknown_licence_type": _("证照类型不存在"),
    "invalid_id_number": _("持证主体身份证号码无效"),
    "invalid_uscc": _("持证主体统一社会信用代码无效"),
    "invalid_date": _("日期无效（应为 YYYY-MM-DD）"),
    "invalid_validity": _("有效期截止日早于颁证日期或起始日期"),
    "invalid_status": _("证照状态代码无效"),
    "face_not_object": _("照面信息不是 JSON 对象"),
    "face_missing_fields": _("照面信息缺少必填项"),
    "duplicate_identifier": _("证照标识与文件中前面的行重复"),
}


class ImportFileError(Exception):
    """The file cannot be read as a licence file (not found, unknown format, no header…): nothing imported."""


@dataclass
class RejectedRow:
    line: int
    identifier: str
    reasons: list[tuple[str, str]]  # (code, detail: the field, or the line of the first duplicate)

    @property
    def codes(self) -> list[str]:
        return [code for code, _detail in self.reasons]

    def messages(self) -> list[str]:
        return [
            str(REASONS.get(code, code)) + (f"（{detail}）" if detail else "")
            for code, detail in self.reasons
        ]


@dataclass
class ImportReport:
    source: str
    format: str
    rows: int = 0  # data rows read (blank lines are skipped)
    imported: int = 0  # new licences
    updated: int = 0  # known identifiers with a changed field
    unchanged: int = 0
    awaiting_signature: int = 0  # this file's licences without a signature after the load
    rejected: list[RejectedRow] = field(default_factory=list)
    seconds: float = 0.0
    database: str = ""
    signing_task_id: str | None = None

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)

    @property
    def valid(self) -> int:
        return self.imported + self.updated + self.unchanged

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def counts(self) -> dict:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected_count,
            "awaiting_signature": self.awaiting_signature,
        }

    def write_rejected_csv(self, target) -> None:
        """The rejected rows as CSV (UTF-8 with BOM, for spreadsheet programs): line, identifier, codes,
        reasons in Chinese. ``target`` is a path or a text file."""
        if isinstance(target, str | os.PathLike):
            with open(target, "w", encoding="utf-8-sig", newline="") as fh:
                self.write_rejected_csv(fh)
            return
        writer = csv.writer(target)
        writer.writerow(["line", "identifier", "codes", "reasons"])
        for row in self.rejected:
            codes = ";".join(f"{c}({d})" if d else c for c, d in row.reasons)
            writer.writerow([row.line, row.identifier, codes, "；".join(row.messages())])
