#!/usr/bin/env python3
"""The shipped rule packs cover the whole taxonomy: at least 120 rules in
all, every category of `junkai rules categories` with at least one rule, and
every rule with at least two hit and two miss examples (`rules test` checks
that they behave).

usage: shipped_rules_test.py JUNKAI_BINARY
"""
import os
import subprocess
import sys
import unittest

BIN = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def lines(args):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("%s failed: %s" % (args, p.stderr.decode()))
    return [l.split("\t") for l in p.stdout.decode().splitlines() if l]


class ShippedRules(unittest.TestCase):
    def test_coverage(self):
        rules = lines(["rules", "list", "--rules", os.path.join(ROOT, "rules")])
        categories = [c[0] for c in lines(["rules", "categories"])]
        self.assertEqual(len(categories), 17)
        self.assertGreaterEqual(len(rules), 120)
        per_category = {c: 0 for c in categories}
        for r in rules:
            per_category[r[1]] += 1
        missing = [c for c, n in per_category.items() if n == 0]
        self.assertEqual(missing, [], "categories without rules")
        ids = [r[0] for r in rules]
        self.assertEqual(len(ids), len(set(ids)))


if __name__ == "__main__":
    BIN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=1)
