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
from typing import Callable, Dict, List, Optional

from intriguing.errors import UserError

TOOLS: Dict[str, str] = {"quickstart": "offline: PatchDrop on the shipped ViT/CNN pair and sample images (a minute)",
                         "list-models": "list the model zoo (and timm models matching a pattern)",
                         "report": "redraw plots and tables from one or several results folders",
                         "reproduce": "run a paper's tables and figures (naseer2021, park2022); report vs published",
                         "compare": "paired differences between two models or two conditions (per-image records)",
                         "factors": "ImageNet-X error ratios per factor, model and condition (per-image records)"}


def experiment_parser(name: str) -> argparse.ArgumentParser:
    """The parser of ``intriguing NAME``: the accepted common options, then the experiment's own."""
    import os

    from intriguing.experiments import get_experiment
    from intriguing.options import CommonOptions, add_options
    cls = get_experiment(name)
    p = argparse.ArgumentParser(prog=f"intriguing {name}", description=cls.summary,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    files = p.add_argument_group("config files")  # read before parsing (cli/config_file.py); listed for --help
    files.add_argument("--config", metavar="FILE", help="YAML of option: value (or a results folder's "
                       "manifest.json); flags given as well win")
    files.add_argument("--print-config", action="store_true", help="print the effective options as YAML and exit")
    defaults = {"data_path": os.environ.get("DATA_PATH") or None, **cls.parser_defaults()}
    add_options(p, CommonOptions, "common", only=cls.accepts, defaults=defaults)
    add_options(p, cls.Config, name)
    return p


def other_commands_flags(parser: argparse.ArgumentParser, extras: List[str]) -> List[str]:
    """The flags among ``extras`` that are common options this command does not take (``fourier --runs``): they
    get a sentence saying so, where a flag no command knows gets argparse's own error."""
    from intriguing.options import CommonOptions, add_options
    every = argparse.ArgumentParser(add_help=False)
    add_options(every, CommonOptions, "common")
    known_here = {s for a in parser._actions for s in a.option_strings}
    known_anywhere = {s for a in every._actions for s in a.option_strings}
    flags = [tok.split("=", 1)[0] for tok in extras if tok.startswith("--")]
    return [f for f in flags if f in known_anywhere and f not in known_here]


def run_command(name: str, argv: Optional[List[str]] = None) -> int:
    """Parse ``argv`` for experiment ``name``, run it, print its summary; returns the exit status."""
    from intriguing.experiments import get_experiment
    from intriguing.options import CommonOptions, option_names
    from intriguing.runner import describe, execute, make_experiment
    import dataclasses

    from intriguing.cli.config_file import apply_config, dump_config, split_config_flags
    try:
        cls = get_experiment(name)
        parser = experiment_parser(name)
        config_path, show, argv = split_config_flags(list(sys.argv[1:] if argv is None else argv))
        if config_path:
            apply_config(parser, config_path, frozenset(f.name for f in dataclasses.fields(cls.Config))
                         | option_names(CommonOptions))
        known, extras = parser.parse_known_args(argv)
        if extras:
            refused = other_commands_flags(parser, extras)
            if refused:
                raise UserError(f"`intriguing {name}` does not take {', '.join(refused)} (an option of other "
                                f"commands; `intriguing {name} --help` lists its own).")
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        ns = {k: v for k, v in vars(known).items() if k not in ("config", "print_config")}
        if show:  # the effective options, as a file --config reads back
            print(dump_config(ns), end="")
            return 0
        common_names = option_names(CommonOptions) & cls.accepts
        exp = make_experiment(name, {k: v for k, v in ns.items() if k in common_names},
                              {k: v for k, v in ns.items() if k not in common_names})
        try:
            result = execute(exp)
        except KeyboardInterrupt:
            print("\ninterrupted: progress saved; rerun the same command to resume.", file=sys.stderr)
            return 130
        from intriguing.records import read_manifest
        describe(result, read_manifest(result.out_dir).get("skipped_images", []))
        return 1 if result.failed else 0
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _list_models(argv: List[str]) -> int:
    p = argparse.ArgumentParser(prog="intriguing list-models", description=TOOLS["list-models"])
    p.add_argument("pattern", nargs="?", default=None, help="also list timm models matching this wildcard")
    args = p.parse_args(argv)
    from intriguing.zoo.__main__ import list_models
    return list_models(args.pattern)


def _tool(name: str) -> Callable[[List[str]], int]:
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
        from intriguing.cli.quickstart import main as quickstart_main
        return quickstart_main
    from intriguing.cli.compare import main as compare_main
    return compare_main


def main(argv: Optional[List[str]] = None) -> int:
    """The ``intriguing`` console script."""
    from intriguing.experiments import EXPERIMENTS, get_experiment
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        lines = ["usage: intriguing COMMAND [options]   (intriguing COMMAND --help for its options)", "",
                 "experiments:"]
        lines += [f"  {n:22s} {get_experiment(n).summary}" for n in EXPERIMENTS]
        lines += ["", "tools:"] + [f"  {n:22s} {d}" for n, d in TOOLS.items()]
        print("\n".join(lines))
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd in TOOLS:
        try:
            return _tool(cmd)(rest)
        except UserError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    if cmd not in EXPERIMENTS:
        from intriguing.errors import did_you_mean
        print(f"error: unknown command {cmd!r}.{did_you_mean(cmd, list(EXPERIMENTS) + list(TOOLS))} "
              f"Run `intriguing --help` for the list.", file=sys.stderr)
        return 2
    return run_command(cmd, rest)
