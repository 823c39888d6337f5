"""Languages, translations and Serbian script conversion for the bot."""
