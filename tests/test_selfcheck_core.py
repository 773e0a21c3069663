"""The self-check machinery every chapter's checkers share (selfcheck/core.py)."""

import numpy as np

from selfcheck.core import Wrong, call, checker, compare, compare_number, given


@checker(7)
def check_double(double):
    x = np.arange(6.0).reshape(2, 3)
    compare("double(x)", call(double, x), 2 * x)
    return "double(x) is right"


def test_a_right_answer_passes_and_prints_one_verdict(capsys):
    check_double(lambda x: x + x)
    assert capsys.readouterr().out == "Exercise 7: correct. double(x) is right\n"


def test_a_stub_returning_none_is_not_yet():
    def double(x): ...

    verdict = check_double.verdict(double)
    assert not verdict and "returns None" in verdict.message


def test_a_wrong_value_names_the_entry_not_the_expected_value():
    verdict = check_double.verdict(lambda x: x * x)
    assert not verdict
    assert "4 of 6 entries differ, the first at entry (0, 1)" in verdict.message
    assert "2.0" not in verdict.message


def test_a_transposed_answer_is_recognised():
    verdict = check_double.verdict(lambda x: 2 * x.T)
    assert "shape (3, 2), expected (2, 3). Is it transposed?" in verdict.message


def test_an_answer_that_raises_becomes_a_verdict():
    verdict = check_double.verdict(lambda x: x @ x)
    assert not verdict and "raised ValueError" in verdict.message


def test_an_answer_that_modifies_its_input_cannot_spoil_the_reference():
    def double_in_place(x):
        x *= 2
        return x

    assert check_double.verdict(double_in_place)


def test_an_untouched_ellipsis_is_not_yet():
    @checker(1)
    def check_number(value):
        compare_number("value", given(value, "value"), 0.5)
        return "right"

    assert "still `...`" in check_number.verdict(...).message
    assert check_number.verdict(0.5) and not check_number.verdict(0.6)
    assert "too large" in check_number.verdict(0.6).message


def test_a_checker_body_may_reject_with_its_own_diagnosis():
    @checker(2)
    def check_mean(mean):
        x = np.ones(4)
        if call(mean, x) == x.sum():
            raise Wrong("that is the sum: divide by the number of entries")
        return "right"

    assert "that is the sum" in check_mean.verdict(np.sum).message
    assert check_mean.verdict(np.mean)
