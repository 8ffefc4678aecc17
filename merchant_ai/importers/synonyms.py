"""Header names that mean each generic field, in the languages our shop owners' files come in.

Matching is on a normalised form (lower case, accents and punctuation removed, see `normalise`),
so `Bestell-Nr.`, `bestellnr` and `BESTELL NR` are one entry. Order matters within a field: the
first synonym found wins, so the most specific names come first (`unit price` before `price`).
Chinese names come from Taobao/Tmall order and item reports (FORMATS.md section 6).
"""

from __future__ import annotations

import re
import unicodedata

FIELDS = ["order_id", "date", "sku", "title", "quantity", "unit_price", "amount", "customer", "currency",
          "country", "status", "cost", "category"]

SYNONYMS: dict[str, list[str]] = {
    "order_id": [
        "order id", "order number", "order no", "order", "order ref", "order reference", "invoice no",
        "invoiceno", "invoice", "invoice number", "invoice id", "transaction id", "receipt", "receipt number",
        "sales order", "order #", "order nr",
        "订单编号", "订单号", "订单id", "主订单编号", "子订单编号",
        "bestellnummer", "bestell nr", "bestellung", "auftragsnummer", "rechnungsnummer", "belegnummer",
        "numero de commande", "n de commande", "commande", "reference commande", "numero de facture", "facture",
        "numero de pedido", "n de pedido", "pedido", "id pedido", "numero de factura", "factura",
    ],
    "date": [
        "order date", "invoice date", "invoicedate", "date", "sale date", "purchase date", "created at",
        "created", "transaction date", "datetime", "timestamp", "time", "paid at", "day",
        "订单创建时间", "下单时间", "创建时间", "订单付款时间", "付款时间", "日期", "时间", "成交时间",
        "bestelldatum", "datum", "rechnungsdatum", "kaufdatum", "zeitpunkt",
        "date de commande", "date de la commande", "date de facture", "date d achat",
        "fecha", "fecha de pedido", "fecha del pedido", "fecha de compra", "fecha de factura",
    ],
    "sku": [
        "sku", "stock code", "stockcode", "item code", "product code", "product id", "item id", "article number",
        "part number", "model", "item number", "asin", "variant sku", "lineitem sku", "merchant sku",
        "商家编码", "商品编码", "货号", "外部系统编号", "sku编码", "宝贝编号", "商品id",
        "artikelnummer", "artikel nr", "artikelnr", "art nr", "produktnummer", "sachnummer",
        "reference", "ref", "reference produit", "code article", "code produit",
        "referencia", "codigo", "codigo de producto", "codigo articulo",
    ],
    "title": [
        "product name", "item name", "description", "title", "product", "item", "product title", "item title",
        "name", "lineitem name", "article",
        "宝贝标题", "商品名称", "商品标题", "标题", "宝贝名称", "产品名称",
        "artikel", "artikelname", "bezeichnung", "produktname", "beschreibung", "produkt",
        "produit", "nom du produit", "designation", "libelle", "nom de l article",
        "producto", "nombre del producto", "descripcion", "articulo", "nombre",
    ],
    "quantity": [
        "quantity", "qty", "units", "quantity purchased", "lineitem quantity", "number of items", "count",
        "购买数量", "数量", "宝贝总数量", "宝贝数量", "件数",
        "menge", "anzahl", "stuck", "stueckzahl", "stuckzahl",
        "quantite", "qte", "nombre", "cantidad", "unidades", "cant",
    ],
    "unit_price": [
        "unit price", "unitprice", "price each", "item price", "price per unit", "unit cost price", "price",
        "sale price", "sold for", "lineitem price", "rate",
        "价格", "单价", "商品单价", "宝贝单价",
        "einzelpreis", "stuckpreis", "preis", "preis pro stuck", "verkaufspreis",
        "prix unitaire", "prix", "prix de vente", "precio unitario", "precio", "precio por unidad",
    ],
    "amount": [
        "total", "amount", "order total", "total price", "line total", "total amount", "revenue", "sales",
        "net sales", "gross sales", "sum", "value", "order value", "subtotal", "grand total", "turnover",
        "总金额", "买家实际支付金额", "实付金额", "金额", "买家应付货款", "应付金额", "订单金额", "合计",
        "betrag", "gesamtbetrag", "summe", "gesamt", "umsatz", "gesamtpreis", "bruttobetrag",
        "montant", "montant total", "total ttc", "chiffre d affaires", "prix total",
        "importe", "importe total", "monto", "total del pedido", "ventas",
    ],
    "customer": [
        "customer id", "customerid", "customer", "customer email", "email", "buyer", "buyer username",
        "buyer id", "client", "client id", "user id", "customer number", "account", "buyer email",
        "买家会员名", "买家昵称", "客户", "会员名", "买家id", "买家支付宝账号",
        "kunde", "kundennummer", "kunden nr", "kundennr", "kaufer", "kunden id", "e mail",
        "numero client", "client", "id client", "acheteur", "courriel",
        "cliente", "id cliente", "numero de cliente", "comprador", "correo", "correo electronico",
    ],
    "currency": ["currency", "currency code", "cur", "币种", "货币", "wahrung", "devise", "moneda", "divisa"],
    "country": [
        "country", "ship country", "shipping country", "billing country", "country code", "ship to country",
        "国家", "国家/地区", "收货国家", "land", "lieferland", "pays", "pays de livraison", "pais", "pais de envio",
    ],
    "status": [
        "status", "order status", "financial status", "state", "订单状态", "状态", "bestellstatus", "status der bestellung",
        "statut", "statut de la commande", "etat", "estado", "estado del pedido",
    ],
    "cost": [
        "unit cost", "cost", "cost per item", "purchase price", "cogs", "cost price", "成本", "成本价", "进价",
        "einkaufspreis", "einstandspreis", "kosten", "ek preis", "prix d achat", "cout", "cout unitaire",
        "costo", "coste", "precio de compra", "costo unitario",
    ],
    "category": [
        "category", "product category", "product type", "type", "department", "group", "类目", "宝贝种类", "分类",
        "类别", "kategorie", "warengruppe", "produktkategorie", "categorie", "categoria", "rubrique", "familia",
    ],
}


def normalise(name: str) -> str:
    """Lower case, accents stripped, punctuation and repeated spaces folded (CJK kept)."""
    text = unicodedata.normalize("NFKD", name.strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("ß", "ss").replace("ü", "u")
    text = re.sub(r"[\s_\-./:()'’\"#°№]+", " ", text).strip()
    return text


_INDEX: dict[str, dict[str, int]] = {
    field: {normalise(s): rank for rank, s in enumerate(names)} for field, names in SYNONYMS.items()}


# Synonyms in normalised form, in rank order (for partial matches inside longer headers).
NORMALISED: dict[str, list[str]] = {field: [normalise(s) for s in names] for field, names in SYNONYMS.items()}


def match_rank(field: str, header: str) -> int | None:
    """Rank of `header` among the synonyms of `field` (0 best), or None when it is not one."""
    return rank_of_normalised(field, normalise(header))


def rank_of_normalised(field: str, norm: str) -> int | None:
    """`match_rank` for a header already passed through `normalise` (once per column, not per field)."""
    table = _INDEX[field]
    if norm in table:
        return table[norm]
    if field == "order_id" and norm.endswith(" #"):
        return table.get(norm[:-2])
    return None
