"""How an expected output line of a ```console block matches what a command
printed (doc_blocks.line_pattern, docs/README.md#examples)."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import doc_blocks  # noqa: E402


def matches(expected, actual):
    return re.fullmatch(doc_blocks.line_pattern(expected), actual.strip()) is not None


class LinePatternTest(unittest.TestCase):
    def test_a_number_stands_for_any_number(self):
        self.assertTrue(matches("vm0  running  pid 4242", "vm0 running pid 17"))
        self.assertTrue(matches("up 2m5s", "up 1h3m0.5s"))
        self.assertFalse(matches("vm0  running", "vm0 stopped"))

    def test_a_time_unit_after_a_number_stands_for_any_time_unit(self):
        self.assertTrue(matches("CreateVM  200  186.33 ms  451.01 ms",
                                "CreateVM 200 672.85 ms 1.26 s"))
        self.assertTrue(matches("took 950 µs", "took 3 ms"))
        self.assertFalse(matches("CreateVM  200  186.33 ms", "CreateVM 200 186.33 MiB"))

    def test_a_unit_word_not_after_a_number_is_literal(self):
        self.assertFalse(matches("the s key", "the ms key"))

    def test_a_bare_number_is_an_exit_status_and_exact(self):
        self.assertTrue(matches("1", "1"))
        self.assertFalse(matches("1", "0"))

    def test_an_ellipsis_stands_for_anything(self):
        self.assertTrue(matches("error: ... not found", "error: VM vm1 in default not found"))


if __name__ == "__main__":
    unittest.main()
