from visualizer.cli import app

app()
