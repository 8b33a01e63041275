"""``intriguing <command> [options]``: one subcommand per experiment, plus list-models, report, compare and factors.

Flags come from the experiment's config dataclass and the common options it accepts
(:mod:`intriguing.options`); a common option this command does not take is refused with a sentence saying so,
an unknown flag by argparse.
Exit status: 0 all good, 1 some model failed, 2 bad input (one sentence, no traceback), 130 interrupted
(rerun the same command to resume).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Optional

from intriguing.errors import UserError

TOOLS: dict[str, str] = {
    "quickstart": "offline: PatchDrop on the shipped ViT/CNN pair and sample images (a minute)",
    "list-models": "list the model zoo (and timm models matching a pattern)",
    "report": "redraw plots and tables from one or several results folders",
    "reproduce": "run a paper's tables and figures (naseer2021, park2022); report vs published",
    "compare": "paired differences between two models or two conditions (per-image records)",
    "factors": "ImageNet-X error ratios per factor, model and condition (per-image records)",
}


def experiment_parser(name: str) -> argparse.ArgumentParser:
    """The parser of ``intriguing NAME``: the accepted common options, then the experiment's own."""
    import os

    from intriguing.cli.logs import add_flags
    from intriguing.experiments import experiment_info, get_experiment
    from intriguing.options import CommonOptions, add_options

    cls, info = get_experiment(name), experiment_info(name)
    p = argparse.ArgumentParser(
        allow_abbrev=False,
        prog=f"intriguing {name}",
        description=info.summary,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    files = p.add_argument_group("config files")  # read before parsing (cli/config_file.py); listed for --help
    files.add_argument(
        "--config",
        metavar="FILE",
        help="YAML of option: value (or a results folder's manifest.json); flags given as well win",
    )
    files.add_argument("--print-config", action="store_true", help="print the effective options as YAML and exit")
    defaults = {"data_path": os.environ.get("DATA_PATH") or None, **cls.parser_defaults()}
    add_options(p, CommonOptions, "common", only=info.accepts, defaults=defaults)
    add_flags(p)  # every command takes --verbose / --quiet (cli/logs.py)
    add_options(p, cls.Config, name)
    return p


def other_commands_flags(parser: argparse.ArgumentParser, extras: list[str]) -> list[str]:
    """The flags among ``extras`` that are common options this command does not take (``fourier --runs``): they
    get a sentence saying so, where a flag no command knows gets argparse's own error."""
    from intriguing.options import CommonOptions, add_options

    every = argparse.ArgumentParser(allow_abbrev=False, add_help=False)
    add_options(every, CommonOptions, "common")
    known_here = {s for a in parser._actions for s in a.option_strings}
    known_anywhere = {s for a in every._actions for s in a.option_strings}
    flags = [tok.split("=", 1)[0] for tok in extras if tok.startswith("--")]
    return [f for f in flags if f in known_anywhere and f not in known_here]


def run_command(name: str, argv: Optional[list[str]] = None) -> int:
    """Parse ``argv`` for experiment ``name``, run it, print its summary; returns the exit status."""
    import dataclasses

    from intriguing.cli.config_file import apply_config, dump_config, split_config_flags
    from intriguing.cli.logs import configured
    from intriguing.experiments import experiment_info, get_experiment
    from intriguing.options import LOGGING, CommonOptions, option_names
    from intriguing.runner import describe, execute, make_experiment

    try:
        cls = get_experiment(name)
        parser = experiment_parser(name)
        config_path, show, argv = split_config_flags(list(sys.argv[1:] if argv is None else argv))
        if config_path:
            apply_config(
                parser,
                config_path,
                frozenset(f.name for f in dataclasses.fields(cls.Config)) | option_names(CommonOptions),
            )
        known, extras = parser.parse_known_args(argv)
        if extras:
            refused = other_commands_flags(parser, extras)
            if refused:
                raise UserError(
                    f"`intriguing {name}` does not take {', '.join(refused)} (an option of other "
                    f"commands; `intriguing {name} --help` lists its own)."
                )
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        # --verbose / --quiet set this command's logging, not the run: no part of its configuration or --print-config
        ns = {k: v for k, v in vars(known).items() if k not in ("config", "print_config", *LOGGING)}
        if show:  # the effective options, as a file --config reads back
            print(dump_config(ns), end="")
            return 0
        common_names = option_names(CommonOptions) & experiment_info(name).accepts
        from intriguing.records import read_manifest

        try:
            with configured(known.verbose, known.quiet):
                exp = make_experiment(
                    name,
                    {k: v for k, v in ns.items() if k in common_names},
                    {k: v for k, v in ns.items() if k not in common_names},
                )
                result = execute(exp)
                describe(result, read_manifest(result.out_dir).get("skipped_images", []))
        except KeyboardInterrupt:
            print("\ninterrupted: progress saved; rerun the same command to resume.", file=sys.stderr)
            return 130
        return 1 if result.failed else 0
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _list_models_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(allow_abbrev=False, prog="intriguing list-models", description=TOOLS["list-models"])
    p.add_argument("pattern", nargs="?", default=None, help="also list timm models matching this wildcard")
    from intriguing.cli.logs import add_flags

    add_flags(p)
    return p


def command_parser(name: str) -> argparse.ArgumentParser:
    """The parser of any ``intriguing NAME`` (an experiment or a tool): what its ``--help`` shows, for the generated
    command reference (docs/gen_commands.py) and the docs' block checks. ``quickstart`` is occlusion's parser with
    the quick start's models, sample folder and results folder as defaults."""
    if name == "list-models":
        return _list_models_parser()
    if name == "quickstart":
        from intriguing.cli.quickstart import PAIR, SAMPLES

        p = experiment_parser("occlusion")
        p.prog, p.description = "intriguing quickstart", TOOLS["quickstart"]
        p.set_defaults(models=",".join(PAIR), data_path=str(SAMPLES), out_dir="results/quickstart")
        return p
    if name == "report":
        from intriguing.cli.report import parser

        return parser()
    if name == "reproduce":
        from intriguing.cli.reproduce import parser

        return parser()
    if name == "compare":
        from intriguing.cli.compare import parser

        return parser()
    if name == "factors":
        from intriguing.cli.factors import parser

        return parser()
    return experiment_parser(name)


def _list_models(argv: list[str]) -> int:
    args = _list_models_parser().parse_args(argv)
    from intriguing.zoo.__main__ import list_models

    return list_models(args.pattern)


def _quickstart(argv: list[str]) -> int:
    """``intriguing quickstart``: occlusion with the shipped pair and sample images (cli/quickstart.py)."""
    from intriguing.cli.quickstart import arguments, usage

    if argv[:1] in (["-h"], ["--help"]):
        print(usage())
        return 0
    return run_command("occlusion", arguments(argv))


def _tool(name: str) -> Callable[[list[str]], int]:
    if name == "list-models":
        return _list_models
    if name == "report":
        from intriguing.cli.report import main as report_main

        return report_main
    if name == "reproduce":
        from intriguing.cli.reproduce import main as reproduce_main

        return reproduce_main
    if name == "factors":
        from intriguing.cli.factors import main as factors_main

        return factors_main
    if name == "quickstart":
        return _quickstart
    from intriguing.cli.compare import main as compare_main

    return compare_main


def main(argv: Optional[list[str]] = None) -> int:
    """The ``intriguing`` console script."""
    from intriguing.experiments import EXPERIMENTS, experiment_info

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        lines = [
            "usage: intriguing COMMAND [options]   (intriguing COMMAND --help for its options)",
            "",
            "experiments:",
        ]
        lines += [f"  {n:22s} {experiment_info(n).summary}" for n in EXPERIMENTS]  # imports no experiment
        lines += ["", "tools:"] + [f"  {n:22s} {d}" for n, d in TOOLS.items()]
        print("\n".join(lines))
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd in TOOLS:
        from intriguing.cli.logs import configured, flags_in

        try:
            # a tool's own parser declares --verbose / --quiet too (its --help); read here so logging is set for
            # the whole tool (quickstart's occlusion run sets its own)
            with configured(*flags_in(rest)):
                return _tool(cmd)(rest)
        except UserError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    if cmd not in EXPERIMENTS:
        from intriguing.errors import did_you_mean

        print(
            f"error: unknown command {cmd!r}.{did_you_mean(cmd, list(EXPERIMENTS) + list(TOOLS))} "
            f"Run `intriguing --help` for the list.",
            file=sys.stderr,
        )
        return 2
    return run_command(cmd, rest)
