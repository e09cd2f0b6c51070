#!/usr/bin/env python3
"""Renders small templates that exercise one Jinja2 feature each (str/repr, slicing, loop variables,
namespace, whitespace control, undefined, tojson...) into unit_cases.json, with the environment of
render_golden.py. Usage: python3 render_unit_cases.py > unit_cases.json"""
import json, jinja2, jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment as E
e=E(trim_blocks=True,lstrip_blocks=True,extensions=[jinja2.ext.loopcontrols])
e.filters['tojson']=lambda x, ensure_ascii=False, indent=None, separators=None, sort_keys=False: json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
cases = [
 ("{{ true }} {{ none }} {{ 1.0 }} {{ 1e-05 }} {{ 1e16 }} {{ 7/2 }} {{ 7//2 }} {{ -7 % 3 }} {{ 2**10 }} {{ 0.1+0.2 }}", {}),
 ("{{ [1, 'a', none, true, 1.5] }} {{ {'k': [1, 2]} }} {{ (1,) }} {{ \"it's\" }} {{ ['it\\'s', 'x\\ny'] }}", {}),
 ("{{ x }}|{{ x is defined }}|{{ x|default('d') }}|{{ not x }}|{{ x|length }}|{% for i in x %}never{% endfor %}|{{ 'a' ~ x ~ none ~ 1 }}", {}),
 ("{{ m[::-1] }} {{ m[1:] }} {{ s[:-1] }} {{ s[::-1] }} {{ s[-1] }} {{ m[5] }}|{{ s|length }}", {"m": [1, 2, 3], "s": "héllo👋🏽"}),
 ("{% for a in [1,2,3] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }};{% endfor %}", {}),
 ("{% for a in [] %}x{% else %}empty{% endfor %}{% for a in [1,2,3,4] if a is even %}{{ a }}{{ loop.last }}{% endfor %}", {}),
 ("{% for a in [1,2,3,4] %}{% if a == 2 %}{% continue %}{% endif %}{% if a == 4 %}{% break %}{% endif %}{{ a }}{% endfor %}", {}),
 ("{% set x = 1 %}{% for i in [1,2] %}{% set x = x + 1 %}{{ x }}{% endfor %}{{ x }}{% set ns = namespace(n=0) %}{% for i in [1,2] %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.n }}", {}),
 ("a\n  {% if true %}\n    b\n  {% endif %}\nc {{- ' d ' -}} e\n{#- c -#}\n f", {}),
 ("{{ '  x y  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '\\n\\nhi\\n'.lstrip('\\n') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'Hello'.startswith('He') }}|{{ 'Hello'.endswith(('x', 'lo')) }}|{{ 'they\\'re bill'.title() }}|{{ 'hELLO'|capitalize }}|{{ 'hello world'|title }}|{{ 'aaa'.replace('a', 'b', 2) }}", {}),
 ("{{ d.items()|list }}|{{ d.keys()|list }}|{{ d.values()|list }}|{{ d.get('a') }}|{{ d.get('z', 'dflt') }}|{{ d.get('z') }}|{% for k, v in d|items %}{{ k }}={{ v }};{% endfor %}", {"d": {"a": 1, "b": [True, None]}}),
 ("{{ x|tojson }}|{{ x|tojson(indent=2) }}|{{ 'é'|tojson }}|{{ 'é'|tojson(ensure_ascii=True) }}|{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}|{{ [1.5, 1e20, 'q\"\\\\\\n']|tojson }}", {"x": {"k": [1, {"n": None}], "e": []}}),
 ("{{ l|map(attribute='n')|join(',') }}|{{ l|selectattr('n', 'equalto', 2)|list }}|{{ l|rejectattr('n', 'gt', 1)|list }}|{{ ['a', 'A', 'b']|unique|list }}|{{ [3, 1, 2]|sort }}|{{ l|map(attribute='n')|sum }}|{{ '3'|int + 1 }}|{{ 'x'|int }}|{{ 'a\\nb'|indent(2) }}|{{ [1,2]|first }}{{ [1,2]|last }}|{{ 'abc'|upper }}", {"l": [{"n": 1}, {"n": 2}, {"n": 3}]}),
 ("{{ 1 is number }}{{ true is number }}{{ true is boolean }}{{ 's' is string }}{{ {} is mapping }}{{ 's' is iterable }}{{ none is none }}{{ x is sequence }}{{ 1 is integer }}{{ 1.0 is float }}{{ false is false }}{{ 0 is false }}{{ 'a' in 'cat' }}{{ 2 not in [1] }}{{ 1 == 1.0 }}{{ [1] == [1] }}", {"x": [1]}),
 ("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', punct='?') }}{% set block %}  inner {{ 1 + 1 }} {% endset %}[{{ block }}]", {}),
 ("{{ 'yes' if x else 'no' }}|{{ 'yes' if none }}|{{ 1 if [] else 2 }}|{{ [] or 'fallback' }}|{{ 0 and 1 }}", {"x": "v"}),
]
out=[]
for src, ctx in cases:
    out.append({"template": src, "context": ctx, "expected": e.from_string(src).render(**ctx)})
print(json.dumps(out, ensure_ascii=False, indent=1))
