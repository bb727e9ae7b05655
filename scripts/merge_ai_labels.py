"""Merge the two blind labellers' labels (and the coordinator's adjudication of their 4 disagreements) into the seeds."""
import csv, sys
sys.path.insert(0, "scripts")
from draw_ai_sample import row_key
keys = {r["item"]: r["row_key"] for r in csv.DictReader(open("/work/labelling/.item_keys.csv"))}
a = {keys[r["item"]]: r for r in csv.DictReader(open("/work/labelling/a/labels.csv"))}
b = {keys[r["item"]]: r for r in csv.DictReader(open("/work/labelling/b/labels.csv"))}
adjudicated = {  # item: (label, strict, reason) - decided by the coordinator against the written definitions
    "i024": ("ai_cited", "false", "as AI tools weigh on revenue: AI is context joined by 'as'; the headline does not state the cut's cause"),
    "i086": ("unknown", "false", "news-ticker-<name>-<date>: no headline words besides the name"),
    "i306": ("none", "false", "facial recognition is not AI/automation/robotics as the definitions list them"),
    "i402": ("unknown", "false", "a static file id: no readable headline; unreadable is unknown before the name is considered"),
}
adj = {keys[i]: v for i, v in adjudicated.items()}
def final(k):
    if k in adj: return adj[k]
    assert a[k]["label"] == b[k]["label"] and a[k]["strict"] == b[k]["strict"], k
    return a[k]["label"], a[k]["strict"], ""
cols = ["label_a", "label_b", "strict_a", "strict_b", "label_final", "strict_final", "adjudication"]
def extra(k):
    lf, sf, why = final(k)
    return [a[k]["label"], b[k]["label"], a[k]["strict"], b[k]["strict"], lf, sf, why]
rows = list(csv.reader(open("dbt_project/seeds/ai_attribution_fresh_sample.csv")))
with open("dbt_project/seeds/ai_attribution_fresh_sample.csv", "w", newline="") as h:
    w = csv.writer(h, lineterminator="\n"); w.writerow(rows[0] + cols)
    for r in rows[1:]: w.writerow(r + extra(r[0]))
rows = list(csv.DictReader(open("dbt_project/seeds/ai_attribution_labels.csv")))
fields = list(rows[0]) + cols
with open("dbt_project/seeds/ai_attribution_labels.csv", "w", newline="") as h:
    w = csv.writer(h, lineterminator="\n"); w.writerow(fields)
    for r in rows:
        k = row_key(r["source"], r["company"], r["event_date"], r["url"] or None)
        w.writerow([r[f] for f in rows[0]] + extra(k))
