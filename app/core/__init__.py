"""Qt-free domain layer: storage, services and undoable commands."""
