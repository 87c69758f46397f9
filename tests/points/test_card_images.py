"""The card PNG and SVG decode back to the payload with an independent decoder (zxing-cpp)."""

import io

import zxingcpp
from PIL import Image

from points import cards, qr
from points.models import Role

SECRET = "test-key"


def test_card_png_decodes_to_payload(client, village, make_resident, make_user, token_for):
    resident = make_resident(village, name="张建国")
    headers = token_for(make_user(village, roles=(Role.HOST,)))
    card = client.get(f"/api/v1/residents/{resident.id}/card", headers=headers).json
    assert card["payload"] == cards.payload_for(SECRET, resident)
    assert card["version"] == 1 and card["short_code"].startswith(f"{resident.id}-")
    r = client.get(f"/api/v1/residents/{resident.id}/card.png", headers=headers)
    assert r.status_code == 200 and r.mimetype == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(r.data)))
    assert [b.text for b in found] == [card["payload"]]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    assert "张" not in card["payload"]  # no personal data in clear
    assert qr.version_of(card["payload"]) <= 3  # small enough for a small printed card
    svg = client.get(f"/api/v1/residents/{resident.id}/card.svg", headers=headers)
    assert svg.status_code == 200 and svg.data.startswith(b"<?xml") and b"<svg" in svg.data


def test_card_access_reissue_and_resolve(
    client, session, village, other_village, make_resident, make_user, token_for
):
    resident = make_resident(village, name="李四")
    neighbour = make_resident(village, name="王五")
    me = token_for(make_user(village, roles=(Role.RESIDENT,), resident=resident))
    admin = token_for(make_user(village, roles=(Role.ADMIN,)))
    clerk = token_for(make_user(village, roles=(Role.CLERK,)))
    outsider = token_for(make_user(other_village, roles=(Role.ADMIN,)))
    assert client.get(f"/api/v1/residents/{resident.id}/card", headers=me).status_code == 200
    assert client.get(f"/api/v1/residents/{resident.id}/card.png", headers=me).status_code == 200
    assert client.get(f"/api/v1/residents/{neighbour.id}/card", headers=me).status_code == 404
    assert client.get(f"/api/v1/residents/{neighbour.id}/card.png", headers=me).status_code == 404
    assert client.get(f"/api/v1/residents/{resident.id}/card", headers=outsider).status_code == 404
    assert (
        client.get(f"/api/v1/residents/{resident.id}/card.png", headers=outsider).status_code == 404
    )
    old = client.get(f"/api/v1/residents/{resident.id}/card", headers=admin).json

    r = client.post("/api/v1/cards/resolve", json={"payload": old["payload"]}, headers=clerk)
    assert r.status_code == 200
    assert r.json == {
        "resident": {"id": resident.id, "name": "李四"},
        "household": {
            "id": resident.household_id,
            "number": resident.household.number,
            "balance": 0,
        },
    }
    assert (
        client.post(
            "/api/v1/cards/resolve", json={"payload": old["payload"]}, headers=me
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/cards/resolve", json={"payload": old["payload"]}, headers=outsider
        ).json["error"]
        == "invalid_card"
    )

    assert (
        client.post(f"/api/v1/residents/{resident.id}/card/reissue", headers=clerk).status_code
        == 403
    )
    assert (
        client.post(f"/api/v1/residents/{resident.id}/card/reissue", headers=outsider).status_code
        == 404
    )
    new = client.post(f"/api/v1/residents/{resident.id}/card/reissue", headers=admin)
    assert new.status_code == 200 and new.json["version"] == 2
    assert new.json["payload"] != old["payload"]
    r = client.post("/api/v1/cards/resolve", json={"payload": old["payload"]}, headers=clerk)
    assert r.status_code == 400 and r.json["error"] == "invalid_card"
    r = client.post("/api/v1/cards/resolve", json={"payload": old["short_code"]}, headers=clerk)
    assert r.status_code == 400
    r = client.post(
        "/api/v1/cards/resolve", json={"payload": new.json["short_code"]}, headers=clerk
    )
    assert r.status_code == 200
    assert client.post("/api/v1/cards/resolve", json={}, headers=clerk).status_code == 400
