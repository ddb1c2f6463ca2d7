"""Form fields with a real <label>: screen readers, password managers and `get_by_label` find each field."""

from __future__ import annotations

import reflex as rx

from copass_app.state.paging import ALL


def field_label(label: str, field_id: str | rx.Var) -> rx.Component:
    return rx.el.label(rx.text(label, as_="span", size="1"), html_for=field_id)


def labelled_field(label: str, control: rx.Component, *, field_id: str | rx.Var, **stack_props) -> rx.Component:
    """`label` above `control`, tied to it by id (the control gets `field_id` as its id)."""
    control.id = field_id
    return rx.vstack(field_label(label, field_id), control, spacing="1", **stack_props)


def select_field(label: str, options: list[tuple[str, str]], *, field_id: str, all_label: str | None = None,
                 width: str = "14em", **root_props) -> rx.Component:
    """A labelled select of (value, label) options; `all_label` adds the "no filter" option first."""
    choices = ([(ALL, all_label)] if all_label else []) + options
    return rx.vstack(
        field_label(label, field_id),
        rx.select.root(
            rx.select.trigger(id=field_id, width=width),
            rx.select.content(*[rx.select.item(text, value=value) for value, text in choices]),
            **root_props,
        ),
        spacing="1",
    )



MONEY_HINT = "Formato: 1.234,56"


def money_input(label: str, *, field_id: str, hint: str = MONEY_HINT, **input_props) -> rx.Component:
    """A labelled text field for an amount in reais: the phone shows its numeric keypad with a comma
    (inputmode decimal) and the format hint is read with the field. The text goes as typed to
    `typed_input.parse_money`."""
    hint_id = f"{field_id}-hint"
    input_props.setdefault("width", "10em")
    control = rx.input(
        input_mode="decimal", auto_complete="off",
        custom_attrs={"aria-describedby": hint_id},
        placeholder=input_props.pop("placeholder", "0,00"),
        **input_props,
    )
    control.id = field_id
    return rx.vstack(
        field_label(label, field_id),
        control,
        rx.text(hint, id=hint_id, size="1", color_scheme="gray"),
        spacing="1",
    )
