"""Built-in plugin: the service golden triangle (people, hardware, software)."""

from gapaudit import hookimpl

from gapaudit_plugins.golden_triangle.module import GoldenTriangle, GoldenTriangleConfig

__all__ = ["GoldenTriangle", "GoldenTriangleConfig"]


@hookimpl
def gapaudit_register_modules():
    return [GoldenTriangle]
