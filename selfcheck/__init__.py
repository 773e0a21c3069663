"""Self-checks for the book's exercises: one module per chapter.

A chapter imports its module once, in its imports cell::

    from selfcheck import ch05

and an exercise's visible check cell calls the checker on the reader's answer::

    ch05.check_ex3(delta2_mse)

A checker tests the answer the way the book tests `mlp` (against central
differences, against `mlp`, against a reference computed now, on several random
inputs) and prints one verdict: ``Exercise 3: correct ...`` or ``Exercise 3: not
yet ...`` with what is wrong (which value, which shape, and the likely mistake when
it recognises one), never the expected answer. It never raises for a wrong answer,
so *Run All* runs through; an untouched starter cell gets "not yet" too.

Every checker ``check_exN`` also has ``check_exN.verdict(...)``, which returns the
``Verdict`` instead of printing it (the tests in tests/test_selfcheck_*.py use it).

This package is the book's, not the library's: `mlp` never imports it.
"""
