from shop.cart import subtotal


def test_subtotal_adds_prices() -> None:
    assert subtotal([1.0, 2.5]) == 3.5


def test_subtotal_of_nothing_is_zero() -> None:
    assert subtotal([]) == 0
