"""Built-in plugin: the eight-factor quality score, with complaint recovery."""

from gapaudit import hookimpl

from gapaudit_plugins.eight_factor.module import EightFactor, EightFactorConfig

__all__ = ["EightFactor", "EightFactorConfig"]


@hookimpl
def gapaudit_register_modules():
    return [EightFactor]
