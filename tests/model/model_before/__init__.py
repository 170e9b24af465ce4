"""The model's apply side as it was before issue 10's representation change (main at
4fc732b: state.py, derived.py, calls.py, entities.py, touched.py, employee_day.py), frozen.

``test_apply_equivalence`` runs the same streams through this copy and through the model of
today and requires the same answers, state and history. Only imports differ from the
original (among these six files). Not to be changed: it is the pin, not a second model.
"""
