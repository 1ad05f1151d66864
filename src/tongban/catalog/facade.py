"""The stable interface other contexts use for the catalogue."""


def demo_load_catalogue() -> int:
    from tongban.catalog.demo import demo_load_catalogue as load

    return load()


__all__ = ["demo_load_catalogue"]
