"""pytest plugin: ``assert_conforms(message, template_id)`` for a brand's own tests.

Registered as the ``trustcheck`` pytest11 entry point; point it at the registry with
``--trustcheck-registry DIR`` or the ini option ``trustcheck_registry``::

    def test_receipt(assert_conforms):
        assert_conforms(render_receipt(order), "acme.receipt")

On failure the assertion message lists every deviation, field by field, with a
diff of expected and actual lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import pytest

from trustcheck.templates.check import TemplateSet
from trustcheck.templates.conformance import ConformanceReport, check_conformance

__all__ = ["ConformanceError", "assert_conforms", "pytest_addoption"]

AssertConforms = Callable[..., ConformanceReport]


class ConformanceError(AssertionError):
    """A rendered message deviates from its registered template."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--trustcheck-registry DIR`` and the ``trustcheck_registry`` ini option."""
    parser.addoption("--trustcheck-registry", metavar="DIR", default=None,
                     help="trustcheck registry directory (templates/ and brands/)")
    parser.addini("trustcheck_registry", "trustcheck registry directory", default="")


def _explain(report: ConformanceReport) -> str:
    lines = [report.to_text(), ""]
    for d in report.deviations:
        lines.extend(difflib.unified_diff([d.expected], [d.actual], f"{d.field} (template)",
                                          f"{d.field} (message)", lineterm="", n=0))
    return "\n".join(lines)


@pytest.fixture(scope="session")
def trustcheck_templates(request: pytest.FixtureRequest) -> TemplateSet:
    """The registry's templates, loaded once per test session."""
    where = (request.config.getoption("--trustcheck-registry")
             or request.config.getini("trustcheck_registry"))
    if not where:
        pytest.fail("assert_conforms needs --trustcheck-registry DIR or the "
                    "trustcheck_registry ini option", pytrace=False)
    root = Path(str(where))
    if not root.is_absolute():
        root = Path(str(request.config.rootpath)) / root
    return TemplateSet.from_registry_dir(root)


@pytest.fixture
def assert_conforms(trustcheck_templates: TemplateSet) -> AssertConforms:
    """Return ``check(message, template_id, *, channel=None)``; raises on any deviation."""

    def check(message: bytes | str, template_id: str, *,
              channel: str | None = None) -> ConformanceReport:
        report = check_conformance(message, templates=trustcheck_templates,
                                   template_id=template_id, name=template_id, channel=channel)
        if not report.ok:
            raise ConformanceError(_explain(report))
        return report

    return check
