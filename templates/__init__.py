"""gapaudit default report templates, installed as ``gapaudit_templates``."""
