#!/usr/bin/env python3
"""Renders conversations.json with every <family>.json chat template into <family>.golden.json.

The environment is the one transformers' apply_chat_template builds (utils/chat_template_utils.py,
_compile_jinja_template / render_jinja_template): jinja2's ImmutableSandboxedEnvironment with
trim_blocks and lstrip_blocks, the loopcontrols extension, a tojson filter that is json.dumps with
ensure_ascii=False, and the globals raise_exception and strftime_now. The render context is
messages, tools, documents (None unless given), add_generation_prompt, the tokenizer's special
tokens that are set (bos/eos/unk/pad; an unset one stays undefined, as in special_tokens_map),
then the conversation's extra kwargs.

strftime_now is pinned to PINNED_NOW so the goldens are reproducible; the Java test pins the same
instant through ChatTemplate's clock.

Usage: python3 render_golden.py   (jinja2 3.1.x; run from any directory)
"""
import datetime
import json
import pathlib

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = pathlib.Path(__file__).resolve().parent
PINNED_NOW = datetime.datetime(2025, 3, 4, 9, 30, 0)
FAMILIES = ["llama3", "llama3_1", "llama3_2", "qwen2_5", "qwen3", "gemma3", "mistral_nemo", "phi4",
            "deepseek_r1_distill_qwen", "deepseek_r1_distill_llama"]
SPECIAL_TOKENS = ["bos_token", "eos_token", "unk_token", "pad_token"]


class Raised(Exception):
    """raise_exception's error, kept apart from errors of the template's own operations."""


def raise_exception(message):
    raise Raised(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return PINNED_NOW.strftime(fmt)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def token_text(value):
    # tokenizer_config.json writes a token either as a string or as an AddedToken object
    return value["content"] if isinstance(value, dict) else value


def main():
    conversations = json.loads((HERE / "conversations.json").read_text(encoding="utf-8"))
    env = environment()
    for family in FAMILIES:
        config = json.loads((HERE / f"{family}.json").read_text(encoding="utf-8"))
        template = env.from_string(config["chat_template"])
        specials = {k: token_text(config[k]) for k in SPECIAL_TOKENS if config.get(k) is not None}
        cases = []
        for conv in conversations:
            kwargs = dict(conv.get("kwargs", {}))
            tools = kwargs.pop("tools", None)
            documents = kwargs.pop("documents", None)
            case = {"id": conv["id"]}
            try:
                case["output"] = template.render(messages=conv["messages"], tools=tools, documents=documents,
                                                 add_generation_prompt=conv["add_generation_prompt"],
                                                 **specials, **kwargs)
            except Raised as e:
                case["raised"] = str(e)
            except Exception as e:  # the template failed on its own (e.g. str + list): any error will do
                case["error"] = f"{type(e).__name__}: {e}"
            cases.append(case)
        out = {"family": family, "jinja2": jinja2.__version__, "strftime_now": PINNED_NOW.isoformat(), "cases": cases}
        with open(HERE / f"{family}.golden.json", "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False, indent=2)
            f.write("\n")
        summary = ", ".join(f"{c['id']}={'ok' if 'output' in c else 'raised' if 'raised' in c else 'error'}" for c in cases)
        print(f"{family}: {summary}")


if __name__ == "__main__":
    main()
