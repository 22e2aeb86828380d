"""Merges a cargo-mutants run into the results kept so far and rewrites the table of
docs/MUTATION.md (the part between the generated markers; the rest is kept as written).

Usage: mutation_report.py OUTCOMES_JSON KEEP_DIR MUTATION_MD COMMAND
"""
import datetime
import json
import pathlib
import platform
import sys

START, END = "<!-- generated: make mutants -->", "<!-- end generated -->"


def mutants(outcomes_path):
    """(file, line, column, description) -> outcome, for each mutant of the run (two
    mutants can share a line and a description)."""
    data = json.loads(pathlib.Path(outcomes_path).read_text())
    found = {}
    for outcome in data.get("outcomes", []):
        scenario = outcome.get("scenario")
        if not isinstance(scenario, dict) or "Mutant" not in scenario:
            continue  # the baseline
        m = scenario["Mutant"]
        start = m.get("span", {}).get("start", {})
        line, column = start.get("line", 0), start.get("column", 0)
        # cargo-mutants' own name, without its leading `file:line:column:`.
        name = m.get("name", "") or m.get("replacement", "")
        description = name.split(": ", 1)[1] if name.startswith(m["file"]) and ": " in name else name
        found[f"{m['file']}:{line}:{column}:{description}"] = {
            "file": m["file"],
            "line": line,
            "description": description,
            "summary": outcome.get("summary", "Unknown"),
        }
    return found


def equivalents(path):
    """(file, line, description) -> reason, from docs/mutants-equivalent.txt."""
    found, key = {}, None
    for line in pathlib.Path(path).read_text().splitlines() if pathlib.Path(path).exists() else []:
        if not line.strip() or line.startswith("#"):
            key = None
        elif line.startswith(" ") and key:
            found[key] = f"{found[key]} {line.strip()}".strip()
        else:
            place, _, description = line.partition(": ")
            file, _, number = place.rpartition(":")
            key = (file, int(number), description)
            found[key] = ""
    return found


def main():
    outcomes, keep_dir, doc, command = sys.argv[1:5]
    equivalent = equivalents(pathlib.Path(doc).with_name("mutants-equivalent.txt"))
    keep = pathlib.Path(keep_dir) / "outcomes-merged.json"
    merged = json.loads(keep.read_text()) if keep.exists() else {}
    if pathlib.Path(outcomes).exists():
        # The run's own record, kept beside the merged one (its folder is temporary).
        runs = pathlib.Path(keep_dir) / "runs" / datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
        runs.mkdir(parents=True, exist_ok=True)
        for name in ["outcomes.json", "mutants.json"]:
            if pathlib.Path(outcomes).with_name(name).exists():
                (runs / name).write_text(pathlib.Path(outcomes).with_name(name).read_text())
        run = mutants(outcomes)
        # An interrupted run records only the files whose every mutant was tested.
        planned = pathlib.Path(outcomes).with_name("mutants.json")
        if planned.exists():
            per_file = {}
            for m in json.loads(planned.read_text()):
                per_file[m["file"]] = per_file.get(m["file"], 0) + 1
            tested = {}
            for m in run.values():
                tested[m["file"]] = tested.get(m["file"], 0) + 1
            partial = {f for f, n in tested.items() if n < per_file.get(f, 0)}
            for f in sorted(partial):
                print(f"{f}: {tested[f]} of {per_file[f]} mutants tested; not recorded")
            run = {k: m for k, m in run.items() if m["file"] not in partial}
        # A file measured again replaces everything known of it (lines move as code changes).
        files = {m["file"] for m in run.values()}
        merged = {k: m for k, m in merged.items() if m["file"] not in files}
        merged.update(run)
    keep.write_text(json.dumps(merged, indent=1, sort_keys=True))

    by_file = {}
    for m in merged.values():
        counts = by_file.setdefault(m["file"], {"CaughtMutant": 0, "MissedMutant": 0, "Timeout": 0, "Unviable": 0, "Equivalent": 0, "missed": [], "equivalent": []})
        summary = m["summary"]
        if summary == "MissedMutant" and (m["file"], m["line"], m["description"]) in equivalent:
            summary = "Equivalent"
            counts["equivalent"].append(m)
        elif summary == "MissedMutant":
            counts["missed"].append(m)
        counts[summary] = counts.get(summary, 0) + 1
    lines = [
        START,
        f"Last run: {datetime.date.today().isoformat()}, `{command}`, on {platform.machine()} "
        f"({platform.system()}); results of earlier runs of other files are kept.",
        "",
        "| file | viable | caught | timed out | equivalent | missed | unviable | score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for file in sorted(by_file):
        c = by_file[file]
        viable = c["CaughtMutant"] + c["MissedMutant"] + c["Timeout"] + c["Equivalent"]
        # Caught, timed out (a hang is noticed), or shown equivalent, of the viable ones.
        score = f"{100 * (viable - c['MissedMutant']) / viable:.0f} %" if viable else "-"
        lines.append(f"| `{file}` | {viable} | {c['CaughtMutant']} | {c['Timeout']} | {c['Equivalent']} | {c['MissedMutant']} | {c['Unviable']} | {score} |")
    order = lambda m: (m["file"], m["line"])  # noqa: E731
    missed = sorted((m for c in by_file.values() for m in c["missed"]), key=order)
    lines += ["", "Missed mutants (each needs a test, or an entry in docs/mutants-equivalent.txt):", ""]
    lines += [f"- `{m['file']}:{m['line']}` {m['description']}" for m in missed] or ["- none"]
    same = sorted((m for c in by_file.values() for m in c["equivalent"]), key=order)
    lines += ["", "Equivalent mutants (they cannot change behaviour; from docs/mutants-equivalent.txt):", ""]
    lines += [f"- `{m['file']}:{m['line']}` {m['description']}: {equivalent[(m['file'], m['line'], m['description'])]}" for m in same] or ["- none"]
    lines.append(END)

    path = pathlib.Path(doc)
    text = path.read_text() if path.exists() else f"# Mutation testing\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    path.write_text(head + "\n".join(lines) + tail)


if __name__ == "__main__":
    main()
