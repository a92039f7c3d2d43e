#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_metadata (corpus/metadata/*).

Each seed is a sequence of records separated by NUL bytes: '0' set, '1'
update, '2' get, followed by the JSON text (see metadata_ops.hpp). The files
are committed; rerun this only to change them.
"""
import os

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "metadata")


def ops(*records):
    return b"\0".join(r.encode() if isinstance(r, str) else r for r in records)


SEEDS = {
    "set_get": ops('0{"a": 1, "b": {"c": [1, 2, 3]}}', "2"),
    "update_merge": ops('0{"net": {"ip": "10.0.0.2", "gw": "10.0.0.1"}, "n": 1}',
                        '1{"net": {"ip": "10.0.0.3", "gw": null, "dns": ["1.1.1.1"]}}', "2"),
    "update_delete": ops('0{"a": 1, "b": 2}', '1{"a": null, "c": {"d": null}}', "2"),
    "update_replaces_array": ops('0{"list": [1, 2, 3]}', '1{"list": [4]}'),
    "update_scalar_to_object": ops('0{"a": 5}', '1{"a": {"b": {"c": true}}}'),
    "not_object": ops("0[1, 2]", '0"text"', "0null", "1[]", "2"),
    "bad_json": ops('0{"a": }', '0{"a": 1', "0{'a': 1}", '1{"a": 1}}', "2"),
    "strings": ops('0{"esc": "q\\"b\\\\s\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00", "é": "ü"}', "2"),
    "bad_utf8": ops(b'0{"a": "\xff\xfe"}', b'1{"\xc3": 1}', b"2"),
    "numbers": ops('0{"i": -0, "f": 1.5e-3, "big": 18446744073709551615, "neg": -9223372036854775808}',
                   '1{"e": 1E5, "z": 0.0}', "2"),
    "deep_ok": ops("0" + '{"a":' * 63 + "1" + "}" * 63, "2"),
    "deep_too_much": ops("0" + '{"a":' * 65 + "1" + "}" * 65, '1{"x":' + "[" * 70 + "]" * 70 + "}"),
    "brackets_in_strings": ops('0{"k": "[[[[{{{{", "v": "]]]}}}\\\\"}', "2"),
    "empty_key": ops('0{"": 1}', '1{"": null, " ": {}}', "2"),
    "whitespace": ops('0 \t\r\n{ "a" :\n[ ] }\n ', "2"),
}

os.makedirs(HERE, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
