"""MkDocs hooks: the pages made from the code and the committed results at build time.

- the API reference: one page per name in `wann.__all__` (mkdocstrings renders its docstring);
- the CLI reference: one page per command, rendered from `wann.cli.build_parser()`;
- the results gallery: one page per study folder under results/ (its section of
  results/README.md, its table and figures), the figures served from results/ itself;
- the benchmark records: one page per results/bench-*.md;
- the architecture picture, drawn by docs/gen/architecture.py.

Nothing here is written into the repository: every page and picture goes into the built site.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "results"
DOCS = Path(__file__).resolve().parents[1]
STUDY_FALLBACK = Path(__file__).resolve().parent / "studies"
FIGURES = {".png", ".gif", ".svg", ".jpg"}



def architecture():
    """docs/gen/architecture.py, the script that draws the layer picture."""
    import importlib.util

    path = Path(__file__).parent / "architecture.py"
    spec = importlib.util.spec_from_file_location("wann_docs_architecture", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- API reference


def api_names() -> list[tuple[str, str]]:
    """(public name, dotted path of its definition) for every documentable name `wann`
    exports: functions, classes and modules (`__version__`, a string, has no page)."""
    import inspect

    import wann

    out = []
    for name in wann.__all__:
        obj = getattr(wann, name)
        if inspect.ismodule(obj):
            out.append((name, obj.__name__))
        elif inspect.isclass(obj) or inspect.isfunction(obj):
            out.append((name, f"{obj.__module__}.{obj.__qualname__}"))
    return out


def api_page(name: str, path: str) -> str:
    return f"# `wann.{name}`\n\n::: {path}\n"


def api_index(names: list[tuple[str, str]]) -> str:
    import wann

    rows = "\n".join(f"| [`wann.{n}`]({n}.md) | {first_line(getattr(wann, n).__doc__)} |" for n, _ in names)
    return (
        "# Python API\n\nEverything `import wann` exports (`wann.__all__`), each page generated from "
        "the docstrings. Every example on these pages runs as a doctest in the test suite "
        "(`tests/test_docstrings.py`).\n\n| name | what it is |\n|---|---|\n" + rows + "\n"
    )


def first_line(doc: str | None) -> str:
    text = " ".join((doc or "").strip().split("\n\n")[0].split())
    return text.replace("|", "\\|")


# ---------------------------------------------------------------- CLI reference


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: dict[int, str] = {}
            for name, sub in action.choices.items():
                seen.setdefault(id(sub), name)
            return {name: action.choices[name] for name in seen.values()}
    return {}


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def option_rows(parser: argparse.ArgumentParser, group: argparse._ArgumentGroup) -> list[str]:
    fmt = parser._get_formatter()
    rows = []
    for action in group._group_actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings:
            flags = ", ".join(f"`{s}`" for s in action.option_strings)
            if action.nargs != 0:
                flags += f" `{fmt._format_args(action, fmt._get_default_metavar_for_optional(action))}`"
        else:
            flags = f"`{fmt._format_args(action, fmt._get_default_metavar_for_positional(action))}`"
        default = action.default
        shown = "" if default in (None, argparse.SUPPRESS, False) or action.nargs == 0 else f"`{default}`"
        rows.append(f"| {flags} | {shown} | {cell(fmt._expand_help(action)) if action.help else ''} |")
    return rows


def cli_page(prog: str, parser: argparse.ArgumentParser, children: list[str]) -> str:
    out = [f"# `{prog}`", ""]
    if parser.description:
        out += [parser.description.strip(), ""]
    out += ["```text", parser.format_usage().strip(), "```", ""]
    for group in parser._action_groups:
        rows = option_rows(parser, group)
        if rows:
            out += [f"## {group.title[:1].upper() + group.title[1:]}", ""]
            if group.description:
                out += [group.description.strip(), ""]
            out += ["| argument | default | what it does |", "|---|---|---|", *rows, ""]
    if children:
        out += ["## Commands", ""]
        out += [f"- [`{prog} {c}`]({c}.md)" for c in children] + [""]
    if parser.epilog:
        out += ["## Examples and notes", "", "```text", parser.epilog.strip("\n"), "```", ""]
    out += ["## `--help`", "", "What the command prints:", "", "```text", parser.format_help().rstrip(),
            "```", ""]
    return "\n".join(out)


def cli_pages() -> dict[str, str]:
    """{page name: markdown} for `wann` (index) and each of its commands."""
    os.environ["COLUMNS"] = "100"  # argparse wraps help text at the terminal's width
    from wann.cli import build_parser

    parser = build_parser()
    subs = subcommands(parser)
    pages = {"index": cli_page("wann", parser, list(subs))}
    for name, sub in subs.items():
        if subcommands(sub):
            raise PluginError(f"wann {name} has nested commands, which the CLI reference does not render")
        pages[name] = cli_page(f"wann {name}", sub, [])
    return pages


# ---------------------------------------------------------------- results gallery

STUDY = re.compile(r"^## `([^`/]+)/?`:?\s*(.*)$")


def readme_sections(text: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """results/README.md split at its `## \\`folder/\\`: title` headings (outside code):
    the text before them and {folder: (title, body)}."""
    intro: list[str] = []
    sections: dict[str, tuple[str, list[str]]] = {}
    current: list[str] = intro
    fence = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
        m = None if fence else STUDY.match(line)
        if m:
            current = []
            sections[m.group(1)] = (m.group(2) or m.group(1), current)
            continue
        if not fence and line.startswith("## "):
            raise PluginError(f"results/README.md: a section that names no study folder: {line!r}")
        current.append(line)
    return "\n".join(intro), {k: (t, "\n".join(b)) for k, (t, b) in sections.items()}


def tracked(prefix: str) -> list[str]:
    """Files git tracks under `prefix` (the committed results, without ignored checkpoints)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", prefix], cwd=REPO, capture_output=True,
                             check=True).stdout.decode()
        return sorted(p for p in out.split("\0") if p)
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an unpacked archive)
        base = REPO / prefix
        return sorted(str(p.relative_to(REPO)) for p in base.rglob("*") if p.is_file())


def demote(body: str) -> str:
    """Headings one level up (### becomes ##) outside code blocks."""
    out, fence = [], False
    for line in body.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
        out.append(line[1:] if not fence and line.startswith("###") else line)
    return "\n".join(out)


def study_page(folder: str, title: str, body: str, files: list[str]) -> str:
    shown = set(re.findall(r"\]\(([^)\s]+)\)", body))
    mine = [f for f in files if f.startswith(f"results/{folder}/")]
    out = [f"# `{folder}/`: {title}", "", demote(body).strip(), ""]
    table = f"results/{folder}/table.md"
    if table in mine and not re.search(r"^\|[-| :]+\|$", body, re.M):
        out += ["## Table (`table.md`)", "", demote((REPO / table).read_text()).strip(), ""]
    extra = [f for f in mine if Path(f).suffix in FIGURES and f.removeprefix("results/") not in shown]
    if extra:
        out += ["## More figures", ""]
        for f in extra:
            rel = f.removeprefix("results/")
            out += [f"`{rel}`", "", f"![{rel}]({rel})", ""]
    out += ["## Committed files", "", f"`results/{folder}/` holds {len(mine)} files:", ""]
    out += [f"- `{f.removeprefix('results/')}`" for f in mine] + [""]
    return "\n".join(out)


def gallery_pages() -> tuple[dict[str, str], list[str]]:
    """{page name: markdown} for results/ (index and one per study folder), and the figure
    files the pages embed."""
    files = tracked("results")
    folders = sorted({f.split("/")[1] for f in files if f.count("/") >= 2})
    intro, sections = readme_sections((RESULTS / "README.md").read_text())
    pages, rows = {}, []
    for folder in sorted(set(sections) - set(folders)):
        raise PluginError(f"results/README.md describes {folder}/, which is not committed")
    for folder in folders:
        if folder in sections:
            title, body = sections[folder]
        elif (STUDY_FALLBACK / f"{folder}.md").is_file():
            text = (STUDY_FALLBACK / f"{folder}.md").read_text()
            m = STUDY.match(text.splitlines()[0])
            if not m or m.group(1) != folder:
                raise PluginError(f"{STUDY_FALLBACK / folder}.md must start with '## `{folder}/`: title'")
            title, body = m.group(2), "\n".join(text.splitlines()[1:])
        else:
            raise PluginError(
                f"results/{folder}/ has no section in results/README.md (nor docs/gen/studies/{folder}.md)"
            )
        pages[folder] = study_page(folder, title, body, files)
        rows.append(f"| [`{folder}/`]({folder}.md) | {cell(title)} |")
    order = [f for f in sections if f in pages] + [f for f in folders if f not in sections]
    rows.sort(key=lambda r: order.index(re.search(r"\[`([^`]+)/`\]", r).group(1)))
    head = intro.strip().splitlines()
    head = head[1:] if head and head[0].startswith("# ") else head
    pages["index"] = "\n".join([
        "# Results gallery", "", *head, "",
        "Every study committed under `results/`, one page each: the commands that made it, what it "
        "found, its tables and figures (the pages are made from `results/README.md` and the "
        "folders when the site is built).", "",
        "| study | what it is |", "|---|---|", *rows, "",
    ])
    figures = [f for f in files if Path(f).suffix in FIGURES]
    return pages, figures


def bench_pages() -> dict[str, str]:
    records = (RESULTS / "benchmarks.md").read_text()
    pages = {"records": records.replace("# Benchmarks", "# Benchmark records", 1)}
    for path in sorted(RESULTS.glob("bench-*.md")):
        pages[path.stem] = f"# `results/{path.name}`\n\n{demote('#' + path.read_text())}\n"
    return pages


# ---------------------------------------------------------------- hooks

_GENERATED: dict[str, dict[str, str]] = {}
_FIGURES: list[str] = []


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Compute the generated pages once, and put them into the navigation where the nav
    names their section's index page."""
    if str(REPO) not in sys.path:  # document this checkout's wann, whatever else is installed
        sys.path.insert(0, str(REPO))
    if "wann" in sys.modules and Path(sys.modules["wann"].__file__).parent != REPO / "wann":
        raise PluginError(f"wann was imported from {sys.modules['wann'].__file__}, not from {REPO}")
    _GENERATED["reference/api"] = {"index": "", **{n: api_page(n, p) for n, p in api_names()}}
    _GENERATED["reference/api"]["index"] = api_index(api_names())
    _GENERATED["reference/cli"] = cli_pages()
    gallery, figures = gallery_pages()
    _GENERATED["results"] = gallery
    _GENERATED["benchmarks"] = bench_pages()
    _FIGURES[:] = figures
    snippets = config["mdx_configs"].setdefault("pymdownx.snippets", {})
    snippets["base_path"] = [str(REPO)]
    config["nav"] = [expand(item) for item in config["nav"]]
    return config


def expand(item):
    """A nav entry; one titled `Name *` whose page is generated becomes a section holding
    every page generated beside it."""
    if isinstance(item, dict):
        (title, value), = item.items()
        if isinstance(value, str) and title.endswith("*"):
            base, _, first = value.rpartition("/")
            first = first.removesuffix(".md")
            if base not in _GENERATED or first not in _GENERATED[base]:
                raise PluginError(f"nav entry {title!r}: {value} is not a generated page")
            names = [first] + [n for n in _GENERATED[base] if n not in (first, "index")]
            return {title.rstrip("*").strip(): [
                {"Overview" if n == "index" else nav_title(base, n): f"{base}/{n}.md"} for n in names
            ]}
        if isinstance(value, list):
            return {title: [expand(v) for v in value]}
    return item


def nav_title(base: str, name: str) -> str:
    if base == "reference/api":
        return f"wann.{name}"
    if base == "reference/cli":
        return f"wann {name}"
    return name


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for base, pages in _GENERATED.items():
        for name, text in pages.items():
            files.append(File.generated(config, f"{base}/{name}.md", content=text))
    for rel in _FIGURES:
        files.append(File(rel, str(REPO), config["site_dir"], config["use_directory_urls"]))
    files.append(File.generated(config, "architecture/layers.svg", content=architecture().draw_svg()))
    return files
