"""Lessons and quizzes as data files (``modules/``), and the code that loads and checks them."""
