"""Names for the simulated staff: mostly Polish, some from neighbouring countries.

Polish surnames ending in -ski/-cki/-dzki take the feminine -ska/-cka/-dzka for women; the
others (Nowak, Wójcik, ...) are the same for both. Czech women's surnames take -ová.
"""

from __future__ import annotations

from random import Random

# fmt: off
POLISH_MEN: tuple[str, ...] = (
    "Adam", "Adrian", "Aleksander", "Andrzej", "Antoni", "Arkadiusz", "Artur", "Bartosz",
    "Błażej", "Bogdan", "Cezary", "Damian", "Daniel", "Dariusz", "Dawid", "Dominik", "Emil",
    "Filip", "Franciszek", "Grzegorz", "Hubert", "Igor", "Jacek", "Jakub", "Jan", "Janusz",
    "Jarosław", "Jerzy", "Józef", "Kacper", "Kamil", "Karol", "Konrad", "Krystian",
    "Krzysztof", "Łukasz", "Maciej", "Marcin", "Marek", "Mariusz", "Mateusz", "Michał",
    "Mikołaj", "Miłosz", "Norbert", "Oskar", "Patryk", "Paweł", "Piotr", "Przemysław",
    "Radosław", "Rafał", "Robert", "Ryszard", "Sebastian", "Stanisław", "Szymon", "Tadeusz",
    "Tomasz", "Wiktor", "Witold", "Wojciech", "Zbigniew", "Zygmunt",
)
POLISH_WOMEN: tuple[str, ...] = (
    "Agata", "Agnieszka", "Aleksandra", "Alicja", "Amelia", "Aneta", "Angelika", "Anna",
    "Barbara", "Beata", "Dagmara", "Danuta", "Dominika", "Dorota", "Edyta", "Elżbieta", "Emilia",
    "Ewa", "Ewelina", "Gabriela", "Grażyna", "Halina", "Hanna", "Irena", "Iwona", "Izabela",
    "Jadwiga", "Joanna", "Jolanta", "Julia", "Justyna", "Kamila", "Karolina", "Katarzyna",
    "Kinga", "Klaudia", "Krystyna", "Lena", "Magdalena", "Małgorzata", "Marta", "Martyna",
    "Maria", "Monika", "Natalia", "Nikola", "Oliwia", "Patrycja", "Paulina", "Renata",
    "Sandra", "Sylwia", "Teresa", "Urszula", "Weronika", "Wiktoria", "Zofia", "Zuzanna",
)
# Surnames given in their masculine form; ``feminine`` derives the women's form.
POLISH_SURNAMES: tuple[str, ...] = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski",
    "Michalski", "Nowicki", "Adamczyk", "Dudek", "Zając", "Wieczorek", "Jabłoński", "Król",
    "Majewski", "Olszewski", "Jaworski", "Wróbel", "Malinowski", "Pawlak", "Witkowski",
    "Walczak", "Stępień", "Górski", "Rutkowski", "Michalak", "Sikora", "Ostrowski", "Baran",
    "Duda", "Szewczyk", "Tomaszewski", "Pietrzak", "Marciniak", "Wróblewski", "Zalewski",
    "Jakubowski", "Jasiński", "Zawadzki", "Sadowski", "Bąk", "Chmielewski", "Włodarczyk",
    "Borkowski", "Czarnecki", "Sawicki", "Sokołowski", "Urbański", "Kubiak", "Maciejewski",
    "Szczepański", "Kucharski", "Wilk", "Kalinowski", "Lis", "Mazurek", "Wysocki", "Adamski",
    "Kaźmierczak", "Wasilewski", "Sobczak", "Czerwiński", "Andrzejewski", "Cieślak",
    "Głowacki", "Zakrzewski", "Kołodziej", "Sikorski", "Krajewski", "Gajewski", "Szymczak",
    "Szulc", "Baranowski", "Laskowski", "Brzeziński", "Makowski", "Ziółkowski", "Przybylski",
    "Domański", "Nowacki", "Borowski", "Błaszczyk", "Chojnacki", "Ciesielski", "Mróz",
    "Szczepaniak", "Wesołowski", "Górecki", "Krupa", "Kaczmarczyk", "Leśniak", "Kaczmarek",
    "Grzelak", "Fijałkowski", "Kurek", "Żak", "Bielecki", "Kowalewski", "Wawrzyniak",
)
CZECH_MEN: tuple[str, ...] = ("Jiří", "Petr", "Tomáš", "Martin", "Lukáš", "Ondřej", "Vojtěch")
CZECH_WOMEN: tuple[str, ...] = ("Lucie", "Tereza", "Eliška", "Petra", "Veronika", "Kateřina")
CZECH_SURNAMES: tuple[str, ...] = (
    "Novák", "Svoboda", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák",
)
GERMAN_MEN: tuple[str, ...] = ("Lukas", "Jonas", "Felix", "Maximilian", "Tobias", "Florian")
GERMAN_WOMEN: tuple[str, ...] = ("Lea", "Hannah", "Laura", "Katharina", "Sophie", "Johanna")
GERMAN_SURNAMES: tuple[str, ...] = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner", "Hoffmann",
)
UKRAINIAN_MEN: tuple[str, ...] = ("Oleksandr", "Andrii", "Dmytro", "Serhii", "Taras", "Yurii")
UKRAINIAN_WOMEN: tuple[str, ...] = ("Olena", "Iryna", "Oksana", "Nataliia", "Yuliia", "Kateryna")
UKRAINIAN_SURNAMES: tuple[str, ...] = (
    "Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Boiko",
    "Lysenko", "Marchenko", "Savchenko",
)
LITHUANIAN_MEN: tuple[str, ...] = ("Tomas", "Mantas", "Darius", "Giedrius")
LITHUANIAN_WOMEN: tuple[str, ...] = ("Rūta", "Ieva", "Greta", "Agnė")
# Lithuanian married women's surnames end in -ienė; the root is what precedes -as/-is/-us.
LITHUANIAN_SURNAMES: tuple[str, ...] = ("Kazlauskas", "Jankauskas", "Petrauskas", "Stankevičius")

# fmt: on


def feminine_polish(surname: str) -> str:
    """Nowak stays Nowak; Kowalski becomes Kowalska, Nowicki Nowicka."""
    if surname.endswith("ski") or surname.endswith("cki") or surname.endswith("dzki"):
        return surname[:-1] + "a"
    return surname


def _feminine_czech(surname: str) -> str:
    if surname.endswith("ý"):
        return surname[:-1] + "á"
    if surname.endswith("a"):
        return surname[:-1] + "ová"
    return surname + "ová"


def _feminine_lithuanian(surname: str) -> str:
    for ending in ("ius", "as", "is", "us"):
        if surname.endswith(ending):
            return surname[: -len(ending)] + "ienė"
    return surname


def full_name(rng: Random) -> tuple[str, bool]:
    """A random full name and whether it is a woman's; about 85% are Polish."""
    woman = rng.random() < 0.62  # call centres employ more women than men
    origin = rng.random()
    if origin < 0.85:
        first = rng.choice(POLISH_WOMEN if woman else POLISH_MEN)
        last = rng.choice(POLISH_SURNAMES)
        return f"{first} {feminine_polish(last) if woman else last}", woman
    if origin < 0.91:
        first = rng.choice(UKRAINIAN_WOMEN if woman else UKRAINIAN_MEN)
        return f"{first} {rng.choice(UKRAINIAN_SURNAMES)}", woman
    if origin < 0.95:
        first = rng.choice(CZECH_WOMEN if woman else CZECH_MEN)
        last = rng.choice(CZECH_SURNAMES)
        return f"{first} {_feminine_czech(last) if woman else last}", woman
    if origin < 0.98:
        first = rng.choice(GERMAN_WOMEN if woman else GERMAN_MEN)
        return f"{first} {rng.choice(GERMAN_SURNAMES)}", woman
    first = rng.choice(LITHUANIAN_WOMEN if woman else LITHUANIAN_MEN)
    last = rng.choice(LITHUANIAN_SURNAMES)
    return f"{first} {_feminine_lithuanian(last) if woman else last}", woman


def unique_name(rng: Random, taken: set[str]) -> str:
    """A full name nobody in ``taken`` has; falls back to a double-barrelled Polish surname."""
    for _ in range(8):
        name, _woman = full_name(rng)
        if name not in taken:
            taken.add(name)
            return name
    while True:
        name, woman = full_name(rng)
        second = rng.choice(POLISH_SURNAMES)
        name = f"{name}-{feminine_polish(second) if woman else second}"
        if name not in taken:
            taken.add(name)
            return name
