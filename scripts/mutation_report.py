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
    """(file, line, description) -> outcome, for each mutant of the run."""
    data = json.loads(pathlib.Path(outcomes_path).read_text())
    found = {}
    for outcome in data.get("outcomes", []):
        scenario = outcome.get("scenario")
        if not isinstance(scenario, dict) or "Mutant" not in scenario:
            continue  # the baseline
        m = scenario["Mutant"]
        line = m.get("span", {}).get("start", {}).get("line", 0)
        # cargo-mutants' own name, without its leading `file:line:column:`.
        name = m.get("name", "") or m.get("replacement", "")
        description = name.split(": ", 1)[1] if name.startswith(m["file"]) and ": " in name else name
        found[f"{m['file']}:{line}:{description}"] = {
            "file": m["file"],
            "line": line,
            "description": description,
            "summary": outcome.get("summary", "Unknown"),
        }
    return found


def main():
    outcomes, keep_dir, doc, command = sys.argv[1:5]
    keep = pathlib.Path(keep_dir) / "outcomes-merged.json"
    merged = json.loads(keep.read_text()) if keep.exists() else {}
    if pathlib.Path(outcomes).exists():
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
        counts = by_file.setdefault(m["file"], {"CaughtMutant": 0, "MissedMutant": 0, "Timeout": 0, "Unviable": 0, "missed": []})
        summary = m["summary"]
        counts[summary] = counts.get(summary, 0) + 1
        if summary == "MissedMutant":
            counts["missed"].append(m)
    lines = [
        START,
        f"Last run: {datetime.date.today().isoformat()}, `{command}`, on {platform.machine()} "
        f"({platform.system()}); results of earlier runs of other files are kept.",
        "",
        "| file | viable | caught | timed out | missed | unviable | caught or timed out |",
        "|---|---|---|---|---|---|---|",
    ]
    for file in sorted(by_file):
        c = by_file[file]
        viable = c["CaughtMutant"] + c["MissedMutant"] + c["Timeout"]
        score = f"{100 * (c['CaughtMutant'] + c['Timeout']) / viable:.0f} %" if viable else "-"
        lines.append(f"| `{file}` | {viable} | {c['CaughtMutant']} | {c['Timeout']} | {c['MissedMutant']} | {c['Unviable']} | {score} |")
    missed = [m for c in by_file.values() for m in c["missed"]]
    lines += ["", "Missed mutants (each needs a test, or a reason below why it is equivalent):", ""]
    lines += [f"- `{m['file']}:{m['line']}` {m['description']}" for m in sorted(missed, key=lambda m: (m["file"], m["line"]))] or ["- none"]
    lines.append(END)

    path = pathlib.Path(doc)
    text = path.read_text() if path.exists() else f"# Mutation testing\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    path.write_text(head + "\n".join(lines) + tail)


if __name__ == "__main__":
    main()
