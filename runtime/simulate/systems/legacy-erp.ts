/**
 * The legacy ERP: SAP S/4HANA behind its on-prem gateway, speaking OData V2 as the fixtures do
 * (specs/fixtures/erp/sap-s4hana). API_SALES_ORDER_SRV creates and reads A_SalesOrder with to_Item;
 * the custom ZINTERLACE_SRV accepts canonical shipments (goods issue), goods receipts, supplier
 * confirmations and customer purchase orders; API_MATERIAL_STOCK_SRV reads stock per plant.
 *
 * Events: SalesOrder.Changed (sap-sales-order@1) when an order is created, MaterialStock.Changed
 * (inventory-level@1) on every stock movement, BillingDocument.Posted (sap-billing-document@1) when a
 * goods issue is invoiced and transferred to accounting.
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
      RequestedDeliveryDate: typeof body.RequestedDeliveryDate === 'string' ? body.RequestedDeliveryDate : odataDate(now + 7 * 86_400_000),
      ShippingCondition: '01',
      CompleteDeliveryIsDefined: false,
      ShippingType: '',
      HeaderBillingBlockReason: '',
      DeliveryBlockReason: '',
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
      TotalCreditCheckStatus: '',
      OverallTotalDeliveryStatus: 'A',
      OverallSDDocumentRejectionSts: 'A',
      to_Item: { results: items },
    };
    this.salesOrders.set(salesOrder, entity);
    this.ctx.publisher.emit({ system: this.name, event: 'SalesOrder.Changed', key: salesOrder, id: `${salesOrder}:1`, payload: entity });
    return entity;
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
      PayerParty: alpha(String(order?.SoldToParty ?? shipment.customerNumber ?? '')),
      SoldToParty: alpha(String(order?.SoldToParty ?? shipment.customerNumber ?? '')),
      PurchaseOrderByCustomer: String(order?.PurchaseOrderByCustomer ?? ''),
      CompanyCode: plant,
      FiscalYear: String(new Date(now).getUTCFullYear()),
      AccountingDocument: alpha(billing.slice(-8).replace(/^0+/, '') || '1'),
      AccountingTransferStatus: 'C',
      OverallBillingStatus: 'C',
    };
    this.billingDocuments.push(doc);
    this.ctx.publisher.emit({ system: this.name, event: 'BillingDocument.Posted', key: billing, id: `${billing}:1`, payload: doc });
    return { status: 201, body: dSingle({ ShipmentNumber: number, MaterialDocument: document, BillingDocument: billing }) };
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
