"""Attachment lures: files that run code, hide it, or render a login page locally.

Attachments are described by the parser (name, type, size) and are never
opened here. What is judged is the name and the declared type, because that
is what the reader sees before opening the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from trustcheck.message.mail import Attachment
from trustcheck.verdict import Finding, Severity

__all__ = ["attachment_findings"]

# Run when opened on Windows/macOS (Microsoft's default-blocked list in
# Outlook, "Blocked attachments in Outlook", is the reference set).
_EXECUTABLE = frozenset({
    "exe", "scr", "pif", "com", "bat", "cmd", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta",
    "msi", "msp", "ps1", "jar", "lnk", "cpl", "reg", "inf", "dll", "app", "appx", "msix",
    "apk", "sh", "command", "xll", "iqy", "slk", "chm", "url", "gadget",
    "scf", "sct", "msc", "msu", "wsb", "jnlp", "diagcab", "appref-ms", "settingcontent-ms",
    "library-ms", "searchconnector-ms",
    # Apple configuration profiles install mail accounts, VPNs, root certificates
    # and device management with a few taps.
    "mobileconfig",
})
# Containers that carry an executable past attachment filters, or mount as a drive
# (ISO/IMG/VHD escaped Windows Mark-of-the-Web before 2022).
_CONTAINER = frozenset({"iso", "img", "vhd", "vhdx", "dmg", "zip", "rar", "7z", "ace", "cab",
                        "arj", "gz", "tgz", "bz2", "xz", "lzh", "r00", "z"})
# Office formats that carry macros.
_MACRO = frozenset({"docm", "xlsm", "pptm", "dotm", "xlam", "xltm", "ppam", "ppsm", "sldm"})
# Rendered by a browser from a local file: a login form that no link scanner sees.
_PAGE = frozenset({"html", "htm", "shtml", "xhtml", "svg", "mht", "mhtml", "xht"})
# Document-looking first extensions in a double extension ("invoice.pdf.exe").
_DOCUMENT = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "txt",
                       "rtf", "ppt", "pptx", "csv", "mp3", "mp4", "gif"})
_EXECUTABLE_TYPES = frozenset({
    "application/x-msdownload", "application/x-msdos-program", "application/x-ms-installer",
    "application/x-dosexec", "application/hta", "application/x-javascript",
    "application/javascript", "text/javascript", "application/x-sh",
    "application/vnd.microsoft.portable-executable", "application/x-apple-aspen-config",
})
_PAGE_TYPES = frozenset({"text/html", "image/svg+xml", "application/xhtml+xml"})
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _extensions(name: str) -> list[str]:
    """Extensions of ``name``, last first, ignoring trailing dots and spaces (Windows does)."""
    clean = _INVISIBLE.sub("", name).strip().rstrip(". ").lower()
    parts = clean.rsplit("/", 1)[-1].split(".")
    return [p.strip() for p in reversed(parts[1:])]


def _one(att: Attachment) -> Finding | None:
    name = att.filename or ""
    exts = _extensions(name)
    last = exts[0] if exts else ""
    evidence = {"filename": name, "content_type": att.content_type, "size": att.size}
    shown = name or att.content_type
    if len(exts) >= 2 and exts[1] in _DOCUMENT and (last in _EXECUTABLE or last in _PAGE):
        return Finding("attachment.double_extension", Severity.HIGH,
                       f"Attachment {shown} disguises a .{last} file as a .{exts[1]} file.",
                       evidence)
    if "\u202e" in name:
        return Finding("attachment.double_extension", Severity.HIGH,
                       f"Attachment {name!r} uses a right-to-left override to hide its "
                       "real extension.", evidence)
    if last in _EXECUTABLE or att.content_type in _EXECUTABLE_TYPES:
        return Finding("attachment.executable", Severity.HIGH,
                       f"Attachment {shown} is a program, script or installer that runs when "
                       "opened.",
                       evidence)
    if last in _PAGE or (not last and att.content_type in _PAGE_TYPES and not att.is_inline):
        return Finding("attachment.html", Severity.MEDIUM,
                       f"Attachment {shown} is a web page that opens in the browser "
                       "(a common carrier for fake login forms).", evidence)
    if last in _MACRO:
        return Finding("attachment.macro", Severity.MEDIUM,
                       f"Attachment {shown} is an Office document that can carry macros.",
                       evidence)
    if last in _CONTAINER:
        return Finding("attachment.archive", Severity.LOW,
                       f"Attachment {shown} is an archive or disk image that can hide "
                       "what it contains.", evidence)
    return None


def attachment_findings(attachments: Iterable[Attachment], *, limit: int = 50) -> list[Finding]:
    """One finding per risky attachment (the first ``limit`` attachments are examined)."""
    out: list[Finding] = []
    for i, att in enumerate(attachments):
        if i >= limit:
            break
        finding = _one(att)
        if finding is not None:
            out.append(finding)
    return out
