"""Drills: endless generated shape, parameter, receptive-field and MAC problems.

    >>> from studytui.drills import generate, check_answer
    >>> problem = generate("shapes", level=1, seed=7, count=1)[0]
    >>> check_answer(problem, problem.answer_text).correct
    True

Everything here is torch-free; answers come from studytui.calc, and torch only checks them in
tests (studytui.torchcheck).
"""

from studytui.drills.answers import AnswerError, Parsed, parse_answer
from studytui.drills.check import Feedback, check_answer
from studytui.drills.families import FAMILIES, KINDS, load_family_file
from studytui.drills.generate import generate, problem, worked_problems
from studytui.drills.problem import Problem

__all__ = ["AnswerError", "FAMILIES", "Feedback", "KINDS", "Parsed", "Problem", "check_answer",
           "generate", "load_family_file", "parse_answer", "problem", "worked_problems"]
