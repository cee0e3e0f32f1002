"""The web app: the visitor chat, the staff console and the feedback log behind them."""
