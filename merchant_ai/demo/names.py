"""Made-up identities for demo customers: short name lists, example-only e-mail domains, towns.

Nothing here belongs to a real person: names are common given/family names combined at random,
e-mail domains are the reserved `example.*` ones (RFC 2606), and street numbers are random.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FIRST = ("Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Mia", "Lucas", "Amelia",
         "Mateo", "Harper", "Ethan", "Chloe", "Aiden", "Priya", "Wei", "Fatima", "Diego", "Hana",
         "Kwame", "Ines", "Jonas", "Maya", "Omar", "Leah", "Ravi", "Grace", "Yusuf", "Nora", "Felix",
         "Zoe", "Arjun", "Clara", "Mason", "Lucia", "Theo", "Aisha", "Hugo", "Ruth", "Samuel", "Elena",
         "Isaac", "Julia", "Kenji", "Ana", "Caleb", "Rosa", "Ivan")
LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
        "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
        "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker",
        "Young", "Allen", "King", "Wright", "Scott", "Nguyen", "Hill", "Flores", "Green", "Adams",
        "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Okafor",
        "Muñoz", "Kowalski", "O'Brien")
DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")
STREETS = ("Maple Ave", "Oak St", "Pine Rd", "Cedar Ln", "Elm St", "Main St", "Lake Dr", "Hill Rd",
           "River Rd", "Park Ave", "Willow Way", "Birch Ct")
# (city, province code, province name, zip, country code, country name, sales-tax rate)
TOWNS = (
    ("Brooklyn", "NY", "New York", "11215", "US", "United States", 0.08875),
    ("Albany", "NY", "New York", "12203", "US", "United States", 0.08),
    ("Boston", "MA", "Massachusetts", "02118", "US", "United States", 0.0625),
    ("Portland", "OR", "Oregon", "97214", "US", "United States", 0.0),
    ("Austin", "TX", "Texas", "78704", "US", "United States", 0.0825),
    ("Denver", "CO", "Colorado", "80205", "US", "United States", 0.0881),
    ("Chicago", "IL", "Illinois", "60614", "US", "United States", 0.1025),
    ("Seattle", "WA", "Washington", "98103", "US", "United States", 0.1035),
    ("Asheville", "NC", "North Carolina", "28801", "US", "United States", 0.07),
    ("Burlington", "VT", "Vermont", "05401", "US", "United States", 0.07),
    ("Newark", "NJ", "New Jersey", "07102", "US", "United States", 0.06625),
    ("Wilmington", "DE", "Delaware", "19801", "US", "United States", 0.0),
    ("Los Angeles", "CA", "California", "90026", "US", "United States", 0.095),
    ("Toronto", "ON", "Ontario", "M5V 2T6", "CA", "Canada", 0.0),
    ("London", "", "", "N1 9GU", "GB", "United Kingdom", 0.0),
)


def identities(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """n made-up people with a unique e-mail and a unique marketplace username each."""
    first = rng.choice(FIRST, n)
    last = rng.choice(LAST, n)
    serial = np.arange(n)
    ascii_last = pd.Series(last).str.replace("ñ", "n").str.replace("'", "").str.lower().to_numpy()
    email = [f"{f.lower()}.{al}{s}@{d}" for f, al, s, d in
             zip(first, ascii_last, serial, rng.choice(DOMAINS, n), strict=True)]
    username = [f"{f.lower()}{al[:4]}{s:x}" for f, al, s in zip(first, ascii_last, serial, strict=True)]
    town = rng.choice(len(TOWNS), n, p=_town_weights())
    street = [f"{num} {st}" for num, st in zip(rng.integers(1, 999, n), rng.choice(STREETS, n), strict=True)]
    return pd.DataFrame({
        "first_name": first, "last_name": last, "email": email, "username": username,
        "street": street, "town": town,
    })


def _town_weights() -> np.ndarray:
    w = np.array([3, 1, 2, 2, 2, 1.5, 2, 2, 1, 0.8, 1, 0.6, 3, 0.8, 0.6])
    return w / w.sum()
