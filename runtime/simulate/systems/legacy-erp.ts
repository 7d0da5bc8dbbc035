/**
 * The legacy ERP: SAP S/4HANA behind its on-prem gateway, speaking OData V2 as the fixtures do
 * (specs/fixtures/erp/sap-s4hana). API_SALES_ORDER_SRV creates and reads A_SalesOrder with to_Item;
 * the custom ZINTERLACE_SRV accepts canonical shipments (goods issue), goods receipts, supplier
 * confirmations and customer purchase orders; API_MATERIAL_STOCK_SRV reads stock per plant.
 *
 * Credit and billing as the order-to-cash workflow drives them: `ZINTERLACE_SRV/CreditChecks` prices an
 * order against the dealer's credit limit and exposure (world.ts); an order created with
 * `DeliveryBlockReason: '01'` is on credit block until a PATCH releases it, and a PATCH with
 * `SalesDocumentRjcnReason` rejects it (SAP rejects items; here the header stands for all of them). An
 * order created with a billing block (`HeaderBillingBlockReason`) is not billed at goods issue: it waits
 * for `API_BILLING_DOCUMENT_SRV/CreateFromSDDocument`, which bills it once (a repeat answers the same
 * document).
 *
 * Events: SalesOrder.Changed (sap-sales-order@1) when an order is created, released or rejected,
 * MaterialStock.Changed (inventory-level@1) on every stock movement, BillingDocument.Posted
 * (sap-billing-document@1) when an order is invoiced and transferred to accounting (at goods issue, or
 * on request for an order with a billing block).
 */
import { SimServer, route } from '../sim-http.ts';
import type { SimReply, SimRequest } from '../sim-http.ts';
import { alpha, dResults, dSingle, decimal, odataDate, odataDateTime, odataError } from '../odata.ts';
import { DEALERS, INITIAL_STOCK, SKUS, WAREHOUSES, skuOf, skuByVendorPart, warehouse, warehouseOfPlant } from '../world.ts';
import { newLedger } from '../system.ts';
import type { SimContext, SimSystem } from '../system.ts';
import { runScopedStart } from '../run-epoch.ts';

type Entity = Record<string, unknown>;

export class LegacyErp implements SimSystem {
  readonly name = 'legacy-erp';
  readonly ledger = newLedger();
  readonly server: SimServer;
  /** SalesOrder → A_SalesOrder with to_Item. */
  readonly salesOrders = new Map<string, Entity>();
  /** Plant|Material → unrestricted stock. */
  readonly stock = new Map<string, number>();
  readonly billingDocuments: Entity[] = [];
  readonly inboundDeliveries: Entity[] = [];
  readonly goodsReceipts: Entity[] = [];
  // Each run numbers from its own block (run-epoch.ts): SAP numbers stay 10 digits, and a second run
  // on one store never reissues a document number an earlier run published.
  private nextOrder: number;
  private nextBilling: number;
  private nextMaterialDocument: number;
  private readonly ctx: SimContext;
  private readonly byReference = new Map<string, string>();
  /** SalesOrder → its version, for the ids of SalesOrder.Changed (each change is a new event). */
  private readonly orderVersions = new Map<string, number>();
  /** SalesOrder → the billing document that invoiced it. */
  private readonly billedOrders = new Map<string, Entity>();

  /** `host`: the address to listen on (default loopback); the real-pod tests listen where pods reach the host. */
  constructor(ctx: SimContext, port: number, host?: string) {
    this.ctx = ctx;
    const epoch = ctx.runEpoch ?? 0;
    this.nextOrder = runScopedStart(1000, epoch);
    this.nextBilling = runScopedStart(90_036_000, epoch);
    this.nextMaterialDocument = runScopedStart(4_900_000_000, epoch);
    for (const s of SKUS) this.stock.set(`${warehouse(s.warehouse)!.plant}|${s.sku}`, INITIAL_STOCK);
    this.server = new SimServer({
      name: this.name,
      port,
      ...(host ? { host } : {}),
      authHeader: 'apikey',
      state: () => this.state(),
      routes: [
        route('POST', '/API_SALES_ORDER_SRV/A_SalesOrder', (r) => this.createSalesOrder(r)),
        route('GET', "/API_SALES_ORDER_SRV/A_SalesOrder\\('(?<id>[^']+)'\\)", (r) => this.getSalesOrder(r)),
        route('PATCH', "/API_SALES_ORDER_SRV/A_SalesOrder\\('(?<id>[^']+)'\\)", (r) => this.changeSalesOrder(r)),
        route('POST', '/ZINTERLACE_SRV/CreditChecks', (r) => this.creditCheck(r)),
        route('POST', '/API_BILLING_DOCUMENT_SRV/CreateFromSDDocument', (r) => this.billOnRequest(r)),
        route('GET', '/API_SALES_ORDER_SRV/A_SalesOrder', (r) => this.listSalesOrders(r)),
        route('GET', '/API_MATERIAL_STOCK_SRV/A_MatlStkInAcctMod', () => ({ status: 200, body: dResults(this.stockRows()) })),
        route('POST', '/ZINTERLACE_SRV/Shipments', (r) => this.goodsIssue(r)),
        route('POST', '/ZINTERLACE_SRV/GoodsReceipts', (r) => this.goodsReceipt(r)),
        route('POST', '/ZINTERLACE_SRV/SupplierConfirmations', (r) => this.supplierConfirmation(r)),
        route('POST', '/ZINTERLACE_SRV/CustomerPurchaseOrders', (r) => this.customerPurchaseOrder(r)),
      ],
    });
  }

  /** Stock per warehouse and SKU (plants translated), for the divergence check. */
  stockByWarehouse(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, qty] of this.stock) {
      const [plant, sku] = key.split('|') as [string, string];
      out.set(`${warehouseOfPlant(plant)?.code ?? plant}|${sku}`, qty);
    }
    return out;
  }

  state(): Record<string, unknown> {
    return {
      salesOrders: this.salesOrders.size,
      creditBlocked: [...this.salesOrders.values()].filter((o) => o.DeliveryBlockReason === '01').length,
      rejected: [...this.salesOrders.values()].filter((o) => o.OverallSDDocumentRejectionSts === 'C').length,
      billingDocuments: this.billingDocuments.length,
      goodsReceipts: this.goodsReceipts.length,
      inboundDeliveries: this.inboundDeliveries.length,
      ...this.ledger.snapshot(),
    };
  }

  private stockRows(): Entity[] {
    return [...this.stock].map(([key, qty]) => {
      const [plant, material] = key.split('|') as [string, string];
      return {
        Material: material,
        Plant: plant,
        StorageLocation: '0001',
        Batch: '',
        InventoryStockType: '01',
        MatlWrhsStkQtyInMatlBaseUnit: decimal(qty, 3),
        MaterialBaseUnit: 'EA',
      };
    });
  }

  private createSalesOrder(r: SimRequest): SimReply {
    const body = r.body as Entity | undefined;
    const problem = this.checkOrder(body);
    if (problem) return { status: 400, body: odataError('V1/311', problem) };
    return { status: 201, body: dSingle(this.book(body!, String(body!.AssignmentReference ?? ''))) };
  }

  /** Validation as SAP's credit, pricing and material checks would fail an order: 400 with an SAP message. */
  private checkOrder(body: Entity | undefined): string | undefined {
    if (!body || typeof body !== 'object') return 'Request body is not an A_SalesOrder';
    const customer = String(body.SoldToParty ?? '');
    if (!DEALERS.some((d) => d.number === customer.replace(/^0+/, '')))
      return `Sold-to party ${customer} does not exist in sales organization 1010`;
    const items = (body.to_Item as { results?: Entity[] } | undefined)?.results ?? [];
    if (items.length === 0) return 'Sales document contains no items';
    for (const item of items) {
      if (!skuOf(String(item.Material)))
        return `Material ${String(item.Material)} is not defined for sales org.1010, distr.chan.10, language EN`;
      if (!(Number(item.RequestedQuantity) > 0)) return `Enter a quantity for item ${String(item.SalesOrderItem)}`;
    }
    return undefined;
  }

  /** Creates the order (a second order for the same reference is a duplicate effect) and emits it. */
  private book(body: Entity, reference: string): Entity {
    const now = Date.now();
    const salesOrder = String(this.nextOrder++);
    if (reference) {
      this.ledger.record('sales-order', reference);
      this.byReference.set(reference, salesOrder);
    } else {
      this.ledger.record('sales-order', salesOrder);
    }
    const currency = String(body.TransactionCurrency ?? 'EUR');
    const rawItems = (body.to_Item as { results?: Entity[] } | undefined)?.results ?? [];
    let total = 0;
    const items = rawItems.map((item, i) => {
      const sku = skuOf(String(item.Material))!;
      const qty = Number(item.RequestedQuantity);
      const net = qty * sku.unitPrice;
      total += net;
      const itemNo = String(item.SalesOrderItem ?? (i + 1) * 10);
      return {
        __metadata: {
          id: `A_SalesOrderItem(SalesOrder='${salesOrder}',SalesOrderItem='${itemNo}')`,
          uri: `A_SalesOrderItem(SalesOrder='${salesOrder}',SalesOrderItem='${itemNo}')`,
          type: 'API_SALES_ORDER_SRV.A_SalesOrderItemType',
        },
        SalesOrder: salesOrder,
        SalesOrderItem: itemNo,
        HigherLevelItem: '0',
        SalesOrderItemCategory: 'TAN',
        SalesOrderItemText: sku.description,
        PurchaseOrderByCustomer: String(body.PurchaseOrderByCustomer ?? ''),
        Material: sku.sku,
        MaterialByCustomer: '',
        PricingDate: odataDate(now),
        RequestedQuantity: String(qty),
        RequestedQuantityUnit: String(item.RequestedQuantityUnit ?? 'EA'),
        ItemGrossWeight: decimal(sku.grossWeightKg * qty, 3),
        ItemNetWeight: decimal(sku.grossWeightKg * qty * 0.9, 3),
        ItemWeightUnit: 'KG',
        TransactionCurrency: currency,
        NetAmount: decimal(net),
        MaterialGroup: 'L004',
        ProductionPlant: warehouse(sku.warehouse)!.plant,
        StorageLocation: '',
        ShippingPoint: warehouse(sku.warehouse)!.plant,
        DeliveryPriority: '00',
        SDProcessStatus: 'A',
        DeliveryStatus: 'A',
      };
    });
    const entity: Entity = {
      __metadata: {
        id: `A_SalesOrder('${salesOrder}')`,
        uri: `A_SalesOrder('${salesOrder}')`,
        type: 'API_SALES_ORDER_SRV.A_SalesOrderType',
        etag: `W/"datetimeoffset'${encodeURIComponent(new Date(now).toISOString())}'"`,
      },
      SalesOrder: salesOrder,
      SalesOrderType: String(body.SalesOrderType ?? 'OR'),
      SalesOrganization: String(body.SalesOrganization ?? '1010'),
      DistributionChannel: String(body.DistributionChannel ?? '10'),
      OrganizationDivision: String(body.OrganizationDivision ?? '00'),
      SalesGroup: '',
      SalesOffice: '100',
      SalesDistrict: '',
      SoldToParty: String(body.SoldToParty),
      CreationDate: odataDate(now),
      CreatedByUser: 'INTERLACE',
      LastChangeDate: null,
      LastChangeDateTime: odataDateTime(now),
      PurchaseOrderByCustomer: String(body.PurchaseOrderByCustomer ?? ''),
      CustomerPurchaseOrderType: '',
      CustomerPurchaseOrderDate: null,
      SalesOrderDate: odataDate(now),
      TotalNetAmount: decimal(total),
      TransactionCurrency: currency,
      SDDocumentReason: '',
      PricingDate: odataDate(now),
      RequestedDeliveryDate:
        typeof body.RequestedDeliveryDate === 'string' && body.RequestedDeliveryDate !== ''
          ? body.RequestedDeliveryDate
          : odataDate(now + 7 * 86_400_000),
      ShippingCondition: '01',
      CompleteDeliveryIsDefined: false,
      ShippingType: '',
      HeaderBillingBlockReason: String(body.HeaderBillingBlockReason ?? ''),
      DeliveryBlockReason: String(body.DeliveryBlockReason ?? ''),
      IncotermsClassification: String(body.IncotermsClassification ?? 'EXW'),
      IncotermsTransferLocation: 'Walldorf',
      IncotermsLocation1: String(body.IncotermsLocation1 ?? 'Walldorf'),
      IncotermsLocation2: '',
      IncotermsVersion: '',
      CustomerPaymentTerms: String(body.CustomerPaymentTerms ?? '0004'),
      PaymentMethod: '',
      AssignmentReference: reference,
      ReferenceSDDocument: '',
      ReferenceSDDocumentCategory: '',
      OverallSDProcessStatus: 'A',
      // A: passed; B: failed and blocked (the caller's credit check set the block); D: released by an analyst.
      TotalCreditCheckStatus: body.DeliveryBlockReason === '01' ? 'B' : 'A',
      OverallTotalDeliveryStatus: 'A',
      OverallSDDocumentRejectionSts: 'A',
      to_Item: { results: items },
    };
    this.salesOrders.set(salesOrder, entity);
    this.emitOrder(entity);
    return entity;
  }

  /** SalesOrder.Changed with a new version: every change of an order is an event of its own. */
  private emitOrder(order: Entity): void {
    const salesOrder = String(order.SalesOrder);
    const version = (this.orderVersions.get(salesOrder) ?? 0) + 1;
    this.orderVersions.set(salesOrder, version);
    this.ctx.publisher.emit({
      system: this.name,
      event: 'SalesOrder.Changed',
      key: salesOrder,
      id: `${salesOrder}:${version}`,
      payload: order,
    });
  }

  /**
   * The credit exposure check of SAP Credit Management for one prospective order: its value at the
   * ERP's prices against the dealer's limit minus the exposure already used. A dealer the ERP does not
   * know has no credit (B); a material it does not know adds nothing (creating the order refuses it).
   */
  private creditCheck(r: SimRequest): SimReply {
    const body = r.body as Entity | undefined;
    const partner = String(body?.BusinessPartner ?? '').replace(/^0+/, '');
    const items = Array.isArray(body?.Items) ? (body.Items as Entity[]) : undefined;
    if (!partner || !items) return { status: 400, body: odataError('ZINTERLACE/006', 'A credit check needs a BusinessPartner and Items') };
    const dealer = DEALERS.find((d) => d.number === partner);
    let amount = 0;
    for (const item of items) amount += (skuOf(String(item.Material))?.unitPrice ?? 0) * (Number(item.RequestedQuantity) || 0);
    const limit = dealer?.credit.limit ?? 0;
    const exposure = dealer?.credit.exposure ?? 0;
    const ok = dealer !== undefined && exposure + amount <= limit;
    return {
      status: 200,
      body: dSingle({
        BusinessPartner: partner,
        CreditSegment: '1000',
        CreditCheckStatus: ok ? 'A' : 'B',
        OrderAmount: decimal(amount),
        CreditLimitAmount: decimal(limit),
        CreditExposureAmount: decimal(exposure),
        Currency: dealer?.currency ?? String(body?.Currency ?? 'EUR'),
        CreditCheckMessage: ok
          ? 'Credit check passed'
          : dealer
            ? `Credit limit exceeded by ${decimal(exposure + amount - limit)} ${dealer.currency}`
            : `Business partner ${partner} has no credit account in segment 1000`,
        CheckedAt: new Date().toISOString(),
      }),
    };
  }

  /**
   * PATCH A_SalesOrder: releases the credit block (`DeliveryBlockReason: ''`) or rejects the order
   * (`SalesDocumentRjcnReason`). A release of a rejected order is refused; repeating either is harmless.
   */
  private changeSalesOrder(r: SimRequest): SimReply {
    const order = this.salesOrders.get(r.params.id!);
    if (!order) return { status: 404, body: odataError('SY/530', `Resource A_SalesOrder('${r.params.id}') not found`) };
    const body = (r.body ?? {}) as Entity;
    const reason = typeof body.SalesDocumentRjcnReason === 'string' ? body.SalesDocumentRjcnReason : '';
    if (reason !== '') {
      if (order.OverallSDDocumentRejectionSts === 'C') return { status: 204 };
      this.ledger.record('order-rejection', String(order.SalesOrder));
      order.OverallSDDocumentRejectionSts = 'C';
      for (const item of (order.to_Item as { results: Entity[] }).results) item.SalesDocumentRjcnReason = reason;
    } else if (body.DeliveryBlockReason === '') {
      if (order.OverallSDDocumentRejectionSts === 'C')
        return { status: 400, body: odataError('V1/041', `Sales order ${String(order.SalesOrder)} is rejected and cannot be released`) };
      if (order.DeliveryBlockReason === '') return { status: 204 };
      this.ledger.record('credit-release', String(order.SalesOrder));
      order.DeliveryBlockReason = '';
      order.TotalCreditCheckStatus = 'D';
    } else {
      return { status: 400, body: odataError('V1/042', 'Only DeliveryBlockReason and SalesDocumentRjcnReason can be changed here') };
    }
    order.LastChangeDateTime = odataDateTime(Date.now());
    this.emitOrder(order);
    return { status: 204 };
  }

  /** CreateFromSDDocument: bills one order with a billing block, once (a repeat answers the same document). */
  private billOnRequest(r: SimRequest): SimReply {
    const body = (r.body ?? {}) as Entity;
    const order = this.salesOrders.get(String(body.SDDocument ?? ''));
    if (!order) return { status: 400, body: odataError('VF/016', `Sales document ${String(body.SDDocument ?? '')} does not exist`) };
    if (order.OverallSDDocumentRejectionSts === 'C')
      return { status: 400, body: odataError('VF/017', `Sales document ${String(order.SalesOrder)} is rejected: nothing to bill`) };
    const existing = this.billedOrders.get(String(order.SalesOrder));
    if (existing) return { status: 200, body: dSingle(existing) };
    const items = (order.to_Item as { results: Entity[] }).results;
    const net = items.reduce((sum, item) => sum + Number(item.NetAmount), 0);
    const doc = this.postBillingDocument(net, String(order.TransactionCurrency), order, String(items[0]?.ProductionPlant ?? '1010'));
    this.ledger.record('billing', String(order.SalesOrder));
    this.billedOrders.set(String(order.SalesOrder), doc);
    return { status: 201, body: dSingle(doc) };
  }

  private getSalesOrder(r: SimRequest): SimReply {
    const order = this.salesOrders.get(r.params.id!);
    return order
      ? { status: 200, body: dSingle(order) }
      : { status: 404, body: odataError('SY/530', `Resource A_SalesOrder('${r.params.id}') not found`) };
  }

  private listSalesOrders(r: SimRequest): SimReply {
    const top = Number(r.query.get('$top') ?? 100);
    const skip = Number(r.query.get('$skip') ?? 0);
    return { status: 200, body: dResults([...this.salesOrders.values()].slice(skip, skip + top)) };
  }

  private move(plant: string, sku: string, delta: number, document: string): void {
    const key = `${plant}|${sku}`;
    const onHand = (this.stock.get(key) ?? 0) + delta;
    this.stock.set(key, onHand);
    const wh = warehouseOfPlant(plant)?.code ?? plant;
    this.ctx.publisher.emit({
      system: this.name,
      event: 'MaterialStock.Changed',
      key: `${sku}|${wh}`,
      id: `${document}:${sku}`,
      payload: {
        sku,
        warehouse: wh,
        onHand,
        available: onHand,
        unit: 'EA',
        asOf: new Date().toISOString(),
        source: { system: 'legacy-erp', reference: document },
      },
    });
  }

  /** Goods issue for an outbound shipment, then the invoice (billing document) transferred to accounting. */
  private goodsIssue(r: SimRequest): SimReply {
    const shipment = r.body as Entity | undefined;
    const number = String(shipment?.shipmentNumber ?? '');
    if (!number || !Array.isArray(shipment?.lines))
      return { status: 400, body: odataError('ZINTERLACE/001', 'Shipment has no number or lines') };
    // A repeat posts a second material document, as SAP would: the ledger counts it as a duplicate.
    this.ledger.record('goods-issue', number, r.idempotencyKey);
    const plant = warehouse(String((shipment.shipFrom as Entity | undefined)?.locationId ?? ''))?.plant ?? '1010';
    const document = String(this.nextMaterialDocument++);
    const order = this.salesOrders.get(this.byReference.get(String(shipment.orderNumber)) ?? '');
    let net = 0;
    let currency = 'EUR';
    for (const line of shipment.lines as Entity[]) {
      const sku = skuOf(String(line.sku));
      if (!sku) continue;
      const qty = Number(line.quantity);
      this.move(plant, sku.sku, -qty, document);
      net += qty * sku.unitPrice;
      currency = sku.currency;
    }
    // An order with a billing block is billed on request (CreateFromSDDocument), not at goods issue.
    if (order && order.HeaderBillingBlockReason !== '') {
      return { status: 201, body: dSingle({ ShipmentNumber: number, MaterialDocument: document, BillingDocument: '' }) };
    }
    const doc = this.postBillingDocument(net, currency, order ?? { SoldToParty: shipment.customerNumber }, plant);
    return { status: 201, body: dSingle({ ShipmentNumber: number, MaterialDocument: document, BillingDocument: doc.BillingDocument }) };
  }

  /** A billing document (F2 invoice) for an order, transferred to accounting at once, and its event. */
  private postBillingDocument(net: number, currency: string, order: Entity, plant: string): Entity {
    const billing = alpha(this.nextBilling++);
    const now = Date.now();
    const doc: Entity = {
      BillingDocument: billing,
      SDDocumentCategory: 'M',
      BillingDocumentCategory: 'L',
      BillingDocumentType: 'F2',
      CreationDate: odataDate(now),
      LastChangeDateTime: odataDateTime(now),
      SalesOrganization: '1010',
      DistributionChannel: '10',
      Division: '00',
      BillingDocumentDate: odataDate(now),
      BillingDocumentIsCancelled: false,
      CancelledBillingDocument: '',
      TotalNetAmount: decimal(net),
      TransactionCurrency: currency,
      TaxAmount: decimal(net * 0.19),
      TotalGrossAmount: decimal(net * 1.19),
      PayerParty: alpha(String(order.SoldToParty ?? '')),
      SoldToParty: alpha(String(order.SoldToParty ?? '')),
      PurchaseOrderByCustomer: String(order.PurchaseOrderByCustomer ?? ''),
      CompanyCode: plant,
      FiscalYear: String(new Date(now).getUTCFullYear()),
      AccountingDocument: alpha(billing.slice(-8).replace(/^0+/, '') || '1'),
      AccountingTransferStatus: 'C',
      OverallBillingStatus: 'C',
    };
    this.billingDocuments.push(doc);
    this.ctx.publisher.emit({ system: this.name, event: 'BillingDocument.Posted', key: billing, id: `${billing}:1`, payload: doc });
    return doc;
  }

  private goodsReceipt(r: SimRequest): SimReply {
    const receipt = r.body as Entity | undefined;
    const number = String(receipt?.receiptNumber ?? '');
    if (!number || !Array.isArray(receipt?.lines))
      return { status: 400, body: odataError('ZINTERLACE/002', 'Receipt has no number or lines') };
    this.ledger.record('goods-receipt', number, r.idempotencyKey);
    const plant = warehouse(String(receipt.warehouse))?.plant ?? WAREHOUSES[0]!.plant;
    const document = String(this.nextMaterialDocument++);
    for (const line of receipt.lines as Entity[]) {
      if (line.condition !== 'good') continue;
      this.move(plant, String(line.sku), Number(line.quantity), document);
    }
    this.goodsReceipts.push(receipt);
    return { status: 201, body: dSingle({ ReceiptNumber: number, MaterialDocument: document }) };
  }

  private supplierConfirmation(r: SimRequest): SimReply {
    const confirmation = r.body as Entity | undefined;
    const number = String(confirmation?.confirmationNumber ?? '');
    if (!number) return { status: 400, body: odataError('ZINTERLACE/003', 'Confirmation has no number') };
    this.ledger.record('inbound-delivery', number, r.idempotencyKey);
    const lines = (confirmation!.lines as Entity[] | undefined) ?? [];
    if (lines.some((l) => !skuByVendorPart(String(l.vendorPartNumber ?? l.gtin ?? '')) && !skuOf(String(l.sku ?? '')))) {
      return { status: 400, body: odataError('ZINTERLACE/004', `Confirmation ${number}: a line names a part we do not buy`) };
    }
    this.inboundDeliveries.push(confirmation!);
    return {
      status: 201,
      body: dSingle({ ConfirmationNumber: number, InboundDelivery: String(180_000_000 + this.inboundDeliveries.length) }),
    };
  }

  private customerPurchaseOrder(r: SimRequest): SimReply {
    const po = r.body as Entity | undefined;
    const number = String(po?.purchaseOrderNumber ?? '');
    const lines = (po?.lines as Entity[] | undefined) ?? [];
    if (!number || lines.length === 0) return { status: 400, body: odataError('ZINTERLACE/005', 'Purchase order has no number or lines') };
    const dealer = DEALERS[3]!;
    const body: Entity = {
      SalesOrderType: 'OR',
      SoldToParty: dealer.number,
      PurchaseOrderByCustomer: number,
      TransactionCurrency: String(po!.currency ?? 'USD'),
      to_Item: {
        results: lines.map((l, i) => ({
          SalesOrderItem: String((i + 1) * 10),
          Material: String(l.buyerPartNumber ?? l.sku ?? ''),
          RequestedQuantity: String(l.quantity),
          RequestedQuantityUnit: 'EA',
        })),
      },
    };
    const problem = this.checkOrder(body);
    if (problem) return { status: 400, body: odataError('V1/311', problem) };
    const order = this.book(body, number);
    return { status: 201, body: dSingle({ PurchaseOrderNumber: number, SalesOrder: order.SalesOrder }) };
  }
}
