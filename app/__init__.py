"""IPR Workbench: code Interpersonal Process Recall transcripts for alliance rupture and repair."""

__version__ = "0.1.0"
