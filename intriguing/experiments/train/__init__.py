"""``intriguing train`` (train.py): supervised training of timm models with DeiT's recipe from timm's parts.

Models are trained from scratch by default (``NAME`` means ``NAME=random``; ``NAME=PATH`` starts from a
checkpoint), with a head for the training folder's classes. ``--teacher`` + ``--distillation soft|hard`` train a
distilled DeiT's distillation token on the teacher (the paper's *shape token* with a SIN-trained CNN teacher).
"""
