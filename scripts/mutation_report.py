"""Merges a cargo-mutants run into the record of every file measured so far and rewrites
the table of docs/MUTATION.md (the part between the generated markers; the rest is kept
as written).

The record is docs/mutants-record.json, committed beside the doc: the last run's date and
command, and per file the date of its own last run, its counts by outcome and its missed
mutants. It is what the table is
made from, so a run on any machine (a fresh clone, a second worktree) adds to what
earlier runs measured instead of replacing it. Each run's raw outcomes are also kept,
uncommitted, under KEEP_DIR/runs/.

Usage: mutation_report.py OUTCOMES_JSON KEEP_DIR MUTATION_MD COMMAND
(with an OUTCOMES_JSON that does not exist, it rewrites the table from the record alone
and COMMAND is not used)
"""
import datetime
import json
import pathlib
import platform
import sys

START, END = "<!-- generated: make mutants -->", "<!-- end generated -->"
OUTCOMES = ["CaughtMutant", "MissedMutant", "Timeout", "Unviable"]


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


def finished(outcomes, run):
    """The run without the files whose mutants were not all tested (a run stopped early)."""
    planned = pathlib.Path(outcomes).with_name("mutants.json")
    if not planned.exists():
        return run
    per_file, tested = {}, {}
    for m in json.loads(planned.read_text()):
        per_file[m["file"]] = per_file.get(m["file"], 0) + 1
    for m in run.values():
        tested[m["file"]] = tested.get(m["file"], 0) + 1
    partial = {f for f, n in tested.items() if n < per_file.get(f, 0)}
    for f in sorted(partial):
        print(f"{f}: {tested[f]} of {per_file[f]} mutants tested; not recorded")
    return {k: m for k, m in run.items() if m["file"] not in partial}


def summarise(run, today):
    """file -> what the record keeps of it: the date, the counts, the missed mutants."""
    record = {}
    for m in run.values():
        entry = record.setdefault(m["file"], {"measured": today, "counts": dict.fromkeys(OUTCOMES, 0), "missed": []})
        entry["counts"][m["summary"]] = entry["counts"].get(m["summary"], 0) + 1
        if m["summary"] == "MissedMutant":
            entry["missed"].append({"line": m["line"], "description": m["description"]})
    for entry in record.values():
        entry["missed"].sort(key=lambda m: (m["line"], m["description"]))
    return record


def table(record, equivalent):
    last, record = record["last_run"], record["files"]
    lines = [
        START,
        f"Last run: {last['date']}, `{last['command']}`, on {last['machine']}. "
        "Each file's row is its own last run (the `measured` column), kept in "
        "docs/mutants-record.json.",
        "",
        "| file | measured | viable | caught | timed out | equivalent | missed | unviable | score |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    missed, same = [], []
    for file in sorted(record):
        entry, counts = record[file], record[file]["counts"]
        known = [m for m in entry["missed"] if (file, m["line"], m["description"]) in equivalent]
        caught, timeout = counts.get("CaughtMutant", 0), counts.get("Timeout", 0)
        viable = caught + timeout + counts.get("MissedMutant", 0)
        left = counts.get("MissedMutant", 0) - len(known)
        missed += [(file, m) for m in entry["missed"] if m not in known]
        same += [(file, m) for m in known]
        # Caught, timed out (a hang is noticed), or shown equivalent, of the viable ones.
        score = f"{100 * (viable - left) / viable:.0f} %" if viable else "-"
        lines.append(
            f"| `{file}` | {entry['measured']} | {viable} | {caught} | {timeout} | {len(known)} | {left} | "
            f"{counts.get('Unviable', 0)} | {score} |"
        )
    lines += ["", "Missed mutants (each needs a test, or an entry in docs/mutants-equivalent.txt):", ""]
    lines += [f"- `{f}:{m['line']}` {m['description']}" for f, m in missed] or ["- none"]
    lines += ["", "Equivalent mutants (they cannot change behaviour; from docs/mutants-equivalent.txt):", ""]
    lines += [f"- `{f}:{m['line']}` {m['description']}: {equivalent[(f, m['line'], m['description'])]}" for f, m in same] or ["- none"]
    lines.append(END)
    return lines


def main():
    outcomes, keep_dir, doc, command = sys.argv[1:5]
    doc = pathlib.Path(doc)
    today = datetime.date.today().isoformat()
    equivalent = equivalents(doc.with_name("mutants-equivalent.txt"))
    keep = doc.with_name("mutants-record.json")
    record = json.loads(keep.read_text()) if keep.exists() else {"last_run": None, "files": {}}
    if pathlib.Path(outcomes).exists():
        # The run's own raw record, kept beside the tree (its folder is temporary).
        runs = pathlib.Path(keep_dir) / "runs" / datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
        runs.mkdir(parents=True, exist_ok=True)
        for name in ["outcomes.json", "mutants.json"]:
            if pathlib.Path(outcomes).with_name(name).exists():
                (runs / name).write_text(pathlib.Path(outcomes).with_name(name).read_text())
        # A file measured again replaces everything known of it (lines move as code changes).
        record["files"].update(summarise(finished(outcomes, mutants(outcomes)), today))
        record["last_run"] = {"date": today, "command": command, "machine": f"{platform.machine()} ({platform.system()})"}
        keep.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")

    # A file that is gone (moved, or split into a folder) no longer has the code its row
    # measured: its row goes, and the files that took its code have rows of their own.
    root = pathlib.Path(__file__).resolve().parent.parent
    gone = [name for name in record["files"] if not (root / name).exists()]
    for name in gone:
        del record["files"][name]
    if gone:
        keep.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")

    text = doc.read_text() if doc.exists() else f"# Mutation testing\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    if record["last_run"] is None:
        sys.exit(f"{keep} records no run yet: {doc} is left as it was")
    doc.write_text(head + "\n".join(table(record, equivalent)) + tail)


if __name__ == "__main__":
    main()
