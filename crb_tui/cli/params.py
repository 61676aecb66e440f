"""Click parameter types for the numbers the CLI reads: each refuses what is out of range in
one line (``crb: error: Invalid value for '--limit': 0 is out of range (from 1 to 1000000)``), and
:class:`NumbersCommand` lets a positional argument be a negative number (to say it is out of
range, rather than "no such option")."""

from __future__ import annotations

import re
from typing import Any

import click

from crb_tui import limits
from crb_tui.errors import CrbError


class WholeNumber(click.ParamType):
    name = "integer"

    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return limits.whole_number(value, self.lo, self.hi, "")
        except CrbError as exc:
            self.fail(str(exc), param, ctx)


class CadenceDays(click.ParamType):
    """Days as people write them: ``14``, ``14d``, ``2w``, ``3m``, ``1y``; ``default`` for none
    of the person's own (the tier's cadence applies)."""

    name = "days"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | None:
        from crb_tui.quantities import parse_days

        if value is None or str(value).strip().lower() in ("default", "auto", "tier"):
            return None
        try:
            return value if isinstance(value, int) else parse_days(value)
        except CrbError as exc:
            self.fail(str(exc), param, ctx)


class Amount(click.ParamType):
    name = "number"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        from crb_tui.quantities import parse_amount

        try:
            return limits.amount(value, "")
        except CrbError as exc:
            if not isinstance(value, str) or not re.search(r"[km,]", value.lower()):
                self.fail(str(exc), param, ctx)
            try:  # the app's Value dialog's forms: 12k, 1.5k, 2m, 12,000
                return parse_amount(value, what="")
            except CrbError as words:
                self.fail(str(words).removeprefix(": "), param, ctx)


ID = WholeNumber(1, limits.MAX_ID)
CADENCE_DAYS = CadenceDays()
COUNT = WholeNumber(1, limits.MAX_COUNT)
AMOUNT = Amount()

_NEGATIVE = re.compile(r"-\d+(\.\d*)?")


class NumbersCommand(click.Command):
    """A command whose positional arguments may be negative numbers (``cadence ann -5``): click
    would read ``-5`` as an unknown option. Any other unknown option is still refused."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if any(_NEGATIVE.fullmatch(a) for a in _before_dashes(args)):
            self._refuse_unknown_options(ctx, args)
            ctx.ignore_unknown_options = True
        return super().parse_args(ctx, args)

    def _refuse_unknown_options(self, ctx: click.Context, args: list[str]) -> None:
        takes_value: set[str] = set()
        known: set[str] = {"--help"}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                names = {*param.opts, *param.secondary_opts}
                known |= names
                if not param.is_flag and not param.count:
                    takes_value |= set(param.opts)
        skip = False
        for arg in _before_dashes(args):
            if skip:
                skip = False
                continue
            name = arg.split("=", 1)[0]
            if arg in takes_value:
                skip = True
            elif arg.startswith("-") and arg != "-" and not _NEGATIVE.fullmatch(arg) and (
                name not in known
            ):
                raise click.NoSuchOption(name, ctx=ctx)


def _before_dashes(args: list[str]) -> list[str]:
    return args[: args.index("--")] if "--" in args else args
