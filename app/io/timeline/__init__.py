"""The rupture timeline: a Qt-free layout of drawing primitives, written as SVG or PNG and
painted by the workspace's timeline dock (the same primitives everywhere)."""
