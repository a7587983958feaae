"""Regenerate the sample results in this directory: ``.venv/bin/python tests/data/eval/generate.py``.

Each file follows the shape its tool writes (see docs/eval.md for the versions followed):
promptfoo 0.1xx ``--output results.json`` (EvaluateSummaryV3 inside {evalId, results, config,
shareableUrl, metadata}); lm-evaluation-harness 0.4.x ``results_<date>.json``; inspect_ai 0.3.x
EvalLog ``.json`` and ``.eval`` (zip: _journal/start.json, samples/, summaries.json, header.json),
once deflate-compressed and once zstd-compressed (method 93) as recent inspect_ai writes it.
Deterministic: the same script writes the same bytes.
"""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).parent


def promptfoo() -> dict:
    rows = []
    for i in range(40):
        ok = i not in (3, 17, 29)
        err = i == 35
        score = 1.0 if ok and not err else (0.0 if err else 0.5)
        rows.append({
            "cost": 0.00042,
            "gradingResult": None if err else {
                "pass": ok, "score": score, "reason": "All assertions passed" if ok else "Expected output to contain \"30 days\"",
                "namedScores": {"helpfulness": 0.9 if ok else 0.4}, "tokensUsed": {"total": 0, "prompt": 0, "completion": 0, "cached": 0},
                "componentResults": [],
            },
            "id": f"0b3c7e52-{i:04d}-4f0e-9a1d-5c2b7e9f{i:04d}",
            "latencyMs": 800 + 13 * i,
            "namedScores": {} if err else {"helpfulness": 0.9 if ok else 0.4},
            "prompt": {"raw": f"Customer asks: refund question #{i}", "label": "support_prompt_v4"},
            "promptId": "a1f0c2d9e8b7",
            "promptIdx": 0,
            "provider": {"id": "anthropic:messages:claude-3-5-sonnet-20241022", "label": ""},
            "response": None if err else {"output": "You can return items within 30 days.", "tokenUsage": {"total": 180, "prompt": 150, "completion": 30}},
            "score": score,
            "success": ok and not err,
            "testCase": {"vars": {"question": f"refund question #{i}"}, "assert": [{"type": "icontains", "value": "30 days"}]},
            "testIdx": i,
            "vars": {"question": f"refund question #{i}"},
            "metadata": {},
            "failureReason": 2 if err else (0 if ok else 1),
            **({"error": "API error: 529 overloaded_error"} if err else {}),
        })
    successes = sum(1 for r in rows if r["success"])
    errors = sum(1 for r in rows if r["failureReason"] == 2)
    return {
        "evalId": "eval-7Qp-2026-05-20T10:32:11",
        "results": {
            "version": 3,
            "timestamp": "2026-05-20T10:32:11.000Z",
            "prompts": [{"raw": "Customer asks: {{question}}", "label": "support_prompt_v4", "provider": "anthropic:messages:claude-3-5-sonnet-20241022",
                         "metrics": {"score": 36.5, "testPassCount": successes, "testFailCount": 40 - successes - errors, "testErrorCount": errors}}],
            "results": rows,
            "stats": {"successes": successes, "failures": 40 - successes - errors, "errors": errors,
                      "tokenUsage": {"total": 7020, "prompt": 5850, "completion": 1170, "cached": 0, "numRequests": 40,
                                     "completionDetails": {"reasoning": 0, "acceptedPrediction": 0, "rejectedPrediction": 0},
                                     "assertions": {"total": 0, "prompt": 0, "completion": 0, "cached": 0}},
                      "durationMs": 61234},
        },
        "config": {"description": "customer-support refund answers", "prompts": ["Customer asks: {{question}}"],
                   "providers": ["anthropic:messages:claude-3-5-sonnet-20241022"]},
        "shareableUrl": None,
        "metadata": {"promptfooVersion": "0.118.0", "nodeVersion": "v22.11.0", "platform": "linux", "arch": "x64",
                     "exportedAt": "2026-05-20T10:33:00.000Z", "evaluationCreatedAt": "2026-05-20T10:32:11.000Z"},
    }


def lm_eval() -> dict:
    return {
        "results": {
            "arc_easy": {"alias": "arc_easy", "acc,none": 0.8173400673400674, "acc_stderr,none": 0.007929845241435013,
                         "acc_norm,none": 0.7946127946127947, "acc_norm_stderr,none": 0.008289627413567283},
            "gsm8k": {"alias": "gsm8k", "exact_match,strict-match": 0.7520849128127369, "exact_match_stderr,strict-match": 0.011893980214826161,
                      "exact_match,flexible-extract": 0.7604245640636846, "exact_match_stderr,flexible-extract": 0.011756737316562446},
            "wikitext": {"alias": "wikitext", "word_perplexity,none": 9.723, "word_perplexity_stderr,none": "N/A",
                         "byte_perplexity,none": 1.5202, "byte_perplexity_stderr,none": "N/A", "bits_per_byte,none": 0.6043, "bits_per_byte_stderr,none": "N/A"},
        },
        "group_subtasks": {"arc_easy": [], "gsm8k": [], "wikitext": []},
        "configs": {"arc_easy": {"task": "arc_easy", "dataset_path": "allenai/ai2_arc", "dataset_name": "ARC-Easy", "output_type": "multiple_choice",
                                 "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": True}]}},
        "versions": {"arc_easy": 1.0, "gsm8k": 3.0, "wikitext": 2.0},
        "n-shot": {"arc_easy": 0, "gsm8k": 5, "wikitext": 0},
        "higher_is_better": {"arc_easy": {"acc": True, "acc_norm": True}, "gsm8k": {"exact_match": True},
                             "wikitext": {"word_perplexity": False, "byte_perplexity": False, "bits_per_byte": False}},
        "n-samples": {"arc_easy": {"original": 2376, "effective": 2376}, "gsm8k": {"original": 1319, "effective": 1319},
                      "wikitext": {"original": 62, "effective": 62}},
        "config": {"model": "local-chat-completions", "model_args": "model=claude-3-5-sonnet-20241022,base_url=http://127.0.0.1:8080/v1",
                   "batch_size": 1, "batch_sizes": [], "device": None, "use_cache": None, "limit": None, "bootstrap_iters": 100000,
                   "gen_kwargs": None, "random_seed": 0, "numpy_seed": 1234, "torch_seed": 1234, "fewshot_seed": 1234},
        "git_hash": "4f8a2c1",
        "date": 1779273127.0,
        "lm_eval_version": "0.4.8",
        "model_source": "local-chat-completions",
        "model_name": "claude-3-5-sonnet-20241022",
        "model_name_sanitized": "claude-3-5-sonnet-20241022",
        "task_hashes": {},
        "total_evaluation_time_seconds": "1843.2291",
    }


def inspect_log(status: str = "success") -> dict:
    return {
        "version": 2,
        "status": status,
        "eval": {"eval_id": "bVc7sBqK3R8nqS2yFj4Hzu", "run_id": "Gd9xQ2m7JpXkL4tVw8rN5c", "created": "2026-05-20T10:40:02+00:00",
                 "task": "customer_support_qa", "task_id": "f3Lp9QwZx2", "task_version": 0, "task_file": "evals/support.py",
                 "task_registry_name": "customer_support_qa", "task_attribs": {}, "task_args": {}, "task_args_passed": {},
                 "dataset": {"name": "support_qa", "location": "evals/support_qa.jsonl", "samples": 200, "shuffled": False},
                 "model": "anthropic/claude-3-5-sonnet-20241022", "model_generate_config": {}, "model_args": {},
                 "config": {"epochs": 1, "epochs_reducer": ["mean"], "fail_on_error": 0.05, "sandbox_cleanup": True, "log_samples": True},
                 "revision": {"type": "git", "origin": "https://github.com/acme/support-bot.git", "commit": "4f8a2c1"},
                 "packages": {"inspect_ai": "0.3.152"},
                 "scorers": [{"name": "match", "options": {}, "metrics": [{"name": "inspect_ai/accuracy", "options": {}},
                                                                          {"name": "inspect_ai/stderr", "options": {}}], "metadata": {}}]},
        "plan": {"name": "plan", "steps": [{"solver": "generate", "params": {}, "params_passed": {}}], "config": {}},
        "results": {"total_samples": 200, "completed_samples": 197,
                    "scores": [{"name": "match", "scorer": "match", "scored_samples": 197, "unscored_samples": 0, "params": {},
                                "metrics": {"accuracy": {"name": "accuracy", "value": 0.9035532994923858, "params": {}},
                                            "stderr": {"name": "stderr", "value": 0.021093401425893515, "params": {}}}}]},
        "stats": {"started_at": "2026-05-20T10:40:02+00:00", "completed_at": "2026-05-20T10:52:47+00:00",
                  "model_usage": {"anthropic/claude-3-5-sonnet-20241022": {"input_tokens": 61200, "output_tokens": 9100, "total_tokens": 70300}}},
    }


def _zip_member(name: str, payload: bytes, method: int) -> tuple[bytes, bytes]:
    """A zip local header + data, and the central directory record, for one member."""
    crc = zlib.crc32(payload)
    if method == 8:
        comp = zlib.compressobj(5, zlib.DEFLATED, -15)
        data = comp.compress(payload) + comp.flush()
    elif method == 93:
        import zstandard
        data = zstandard.ZstdCompressor(level=3).compress(payload)
    else:
        data = payload
    n = name.encode()
    dos_time, dos_date = 0, (2026 - 1980) << 9 | 5 << 5 | 20
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 63 if method == 93 else 20, 0, method, dos_time, dos_date, crc, len(data), len(payload), len(n), 0)
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 63, 63 if method == 93 else 20, 0, method, dos_time, dos_date, crc, len(data),
                          len(payload), len(n), 0, 0, 0, 0, 0, 0)
    return local + n + data, central + n


def write_eval_archive(path: Path, log: dict, method: int) -> None:
    members = [
        ("_journal/start.json", {"version": 2, "eval": log["eval"], "plan": log["plan"]}),
        ("samples/1_epoch_1.json", {"id": 1, "epoch": 1, "input": "Can I return shoes after 20 days?", "target": "yes",
                                    "scores": {"match": {"value": "C", "answer": "yes"}}}),
        ("_journal/summaries/1.json", [{"id": 1, "epoch": 1, "input": "Can I return shoes after 20 days?", "target": "yes",
                                        "scores": {"match": {"value": "C"}}, "completed": True}]),
        ("summaries.json", [{"id": 1, "epoch": 1, "input": "Can I return shoes after 20 days?", "target": "yes",
                             "scores": {"match": {"value": "C"}}, "completed": True}]),
        ("header.json", {k: v for k, v in log.items() if k != "samples"}),
    ]
    body, directory = b"", b""
    for name, obj in members:
        local, central = _zip_member(name, json.dumps(obj, indent=2).encode(), method)
        directory += central[:42] + struct.pack("<I", len(body)) + central[46:]
        body += local
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), len(body), 0)
    path.write_bytes(body + directory + eocd)


def main() -> None:
    (HERE / "promptfoo-results.json").write_text(json.dumps(promptfoo(), indent=2) + "\n")
    (HERE / "lm-eval-results_2026-05-20T10-31-07.json").write_text(json.dumps(lm_eval(), indent=2, ensure_ascii=False) + "\n")
    (HERE / "inspect-log.json").write_text(json.dumps(inspect_log(), indent=2) + "\n")
    write_eval_archive(HERE / "inspect-deflate.eval", inspect_log(), 8)
    write_eval_archive(HERE / "inspect-zstd.eval", inspect_log(), 93)
    cancelled = inspect_log("cancelled")
    cancelled["results"]["completed_samples"] = 120
    cancelled["results"]["scores"][0]["scored_samples"] = 120
    (HERE / "inspect-cancelled.json").write_text(json.dumps(cancelled, indent=2) + "\n")


if __name__ == "__main__":
    main()
