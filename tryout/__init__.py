"""`attune try`: the real bot, its database and dispatcher, against the local Bot API
emulator, with the operator as the person in the chat (a terminal) and a clock they move.

clock: the simulated now. waits: reading `/wait ...`. timeline: moving the clock through
everything due. transcript: what the bot did, as things to show, and the numbered choices.
terminal: the prompt_toolkit side. session: putting it together.
"""
