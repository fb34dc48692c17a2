"""The judge's rules: one module per rule or family of rules, each a pure function that
returns `Issue`s. `coldcraft.skeletons.judge` decides which rule sees which text."""
