"""Terminal output shared by every ``doseopt`` command.

Text that comes from users, files or the domain (error messages, explanations, assumptions,
warnings) is printed as plain text, never read as Rich markup, so ``[grid]`` or ``[patient]``
reaches the reader unchanged. Styling is applied with :class:`rich.text.Text` spans.

Tables never cut a figure: numeric columns do not wrap or shrink; labels wrap instead. When
standard output is not a terminal (a pipe or a file) the console is wide enough for the widest
table, and ``doseopt --width N`` sets the width explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from optimizer.errors import DoseOptError

__all__ = ["EXIT_BAD_INPUT", "console", "data_table", "err_console", "fail", "print_lines",
           "print_table", "say", "set_width"]

#: Exit status for input the user can fix (a file, a field, an option).
EXIT_BAD_INPUT = 2
#: Width used when standard output is not a terminal (modelling choice: wide enough for every
#: table this tool prints, so a redirected file keeps every figure whole).
PIPE_WIDTH = 200
#: Longest word a label column keeps whole before folding it (modelling choice).
LABEL_WORD_MAX = 16

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
if not console.is_terminal:
    console.width = PIPE_WIDTH
_DEFAULT_WIDTH = console.width


def set_width(width: int | None) -> None:
    """Use ``width`` columns for standard output (``None``: the width detected at start)."""
    console.width = _DEFAULT_WIDTH if width is None else width


def say(text: str, style: str = "") -> None:
    """Print one line of plain text (no markup is interpreted) on standard output."""
    console.print(Text(text, style=style))


def print_lines(lines: Iterable[str], prefix: str = "- ", style: str = "") -> None:
    """Print each line as plain text after ``prefix``."""
    for line in lines:
        console.print(Text(prefix + line, style=style))


def fail(exc: DoseOptError | str) -> typer.Exit:
    """Print ``error: <message>`` on standard error and return the exit to raise (status 2).

    Usage: ``raise fail(exc) from None``."""
    err_console.print(Text.assemble(("error:", "bold red"), " ", str(exc)))
    return typer.Exit(code=EXIT_BAD_INPUT)


def data_table(title: str, label_columns: Sequence[str], figure_columns: Sequence[str],
               rows: Iterable[Sequence[str]], *, show_header: bool = True) -> Table:
    """A table whose labels and headers wrap and whose figures are never cut.

    Each row holds the label cells then the figure cells, as text. Figure columns are
    right-aligned and at least as wide as their widest figure, so ``-1,024.50`` never becomes
    ``-1,024…``; if even that does not fit, the table grows past the console width rather
    than losing digits."""
    body = [list(r) for r in rows]
    n_labels = len(label_columns)
    table = Table(title=Text(title), title_justify="left", show_header=show_header)
    for j, name in enumerate(label_columns):
        words = [w for r in body for w in r[j].split()] + name.split()
        table.add_column(Text(name), overflow="fold",
                         min_width=min(LABEL_WORD_MAX, max(map(len, words), default=1)))
    for j, name in enumerate(figure_columns, start=n_labels):
        widest = max([len(r[j]) for r in body] + [len(w) for w in name.split()], default=1)
        table.add_column(Text(name), justify="right", overflow="fold", min_width=widest)
    for r in body:
        table.add_row(*(Text(cell) for cell in r))
    return table


def print_table(table: Table) -> None:
    """Print ``table`` on standard output; wider than the console only if figures need it
    (the lines are then not cropped: the terminal wraps them and every digit stays)."""
    needed = Measurement.get(console, console.options.update_width(10_000), table).minimum
    if needed > console.width:
        console.print(table, width=needed, crop=False)
    else:
        console.print(table)
