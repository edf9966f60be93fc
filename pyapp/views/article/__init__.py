"""The article's computed parts: the class list, the figures, the parameter tables, the Why? section."""
