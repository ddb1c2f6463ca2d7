"""The reports a provider comes back for (menu Relatórios): values for the nota fiscal, payment statements,
the extrato sintético and the glosas, for a provider (its own data only) or for staff (any provider).

Each report module has one public function `(db, actor, filters, *, page, page_size) -> Report` whose
totals are SQL sums over the whole filter; `exports` turns any of them into a PDF or a CSV.
"""

from copass_app.services.reports.extrato import summary_statement
from copass_app.services.reports.filters import Report, ReportFilters, Scope
from copass_app.services.reports.glosas import glosas_by_procedure, glosas_by_reason
from copass_app.services.reports.nf import nf_values
from copass_app.services.reports.statements import payment_statements

__all__ = ["Report", "ReportFilters", "Scope", "glosas_by_procedure", "glosas_by_reason", "nf_values",
           "payment_statements", "summary_statement"]
