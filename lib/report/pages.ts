/**
 * The report's HTML pages: self-contained (one inline `<style>`, inline SVG charts, a few
 * lines of inline script to sort the table, download figures and filter projections, images
 * as `data:` URIs), with relative links so that they open from the file system as well as
 * from a server.
 *
 * Every figure sits in a `<figure id="fig-...">` with links that save it as SVG (its Plot
 * SVGs, legends, title and caption composed into one SVG file) or PNG (that SVG drawn on a
 * canvas at 2x), named `<page>-<id>.svg|png`. The ids are stable:
 *
 * - run page: `fig-loss`, `fig-mined` (with a miner), `fig-accuracy-k`, `fig-per-class`,
 *   `fig-confusion`, and per projection `fig-<method>-<split>`: `fig-umap-train`,
 *   `fig-umap-test`, `fig-tsne-train`, `fig-tsne-test`, `fig-pca-train`, `fig-pca-test`, the
 *   test points placed into each train map `fig-<method>-test-in-train`, and for d = 2
 *   `fig-embedding-train`, `fig-embedding-test`;
 *   a projection's legend (class codes grouped by top category) hides a class or a category
 *   on click and isolates it on shift-click;
 * - index: `fig-summary-<data>-<metric>` (e.g. `fig-summary-tt100k-mini-acc-1`,
 *   `fig-summary-tt100k-mini-map-r`), one per dataset and metric, each zoomed to its data;
 * - compare page: `fig-compare-<group>-accuracy`, `fig-compare-<group>-loss`,
 *   `fig-compare-<group>-per-class`, where `<group>` is the group's title as a slug
 *   (`data-synthetic`).
 *
 * @module
 */
import { basename } from "node:path";
import {
  accuracyComparisonFigure,
  accuracyPerKFigure,
  compareAccuracyFigure,
  compareLossFigure,
  comparePerClassFigure,
  type ComparisonPoint,
  confusionFigure,
  lossCurveFigure,
  minedTuplesFigure,
  perClassAccuracyFigure,
  projectionColors,
  projectionFigure,
  type RunValue,
} from "./figures.ts";
import type { Projection, RunRecord } from "./read_runs.ts";
import { meanAndSpread } from "../eval/statistics.ts";
import { renderFigure } from "./render.ts";
import type { ClassInfo, Json } from "../types.ts";

/** One test image with its nearest training neighbours. */
export interface GalleryItem {
  /** `data:image/png;base64,...` of the test image. */
  src: string;
  /** The true class name of the test image. */
  trueName: string;
  /** The k=1 prediction (the nearest neighbour's class). */
  predictedName: string;
  /** The nearest training images, nearest first: image, class name and distance. */
  neighbours: { src: string; name: string; distance: number }[];
}

/** The gallery of a run page: items, or a note saying why there are none. */
export interface Gallery {
  /** The gallery items (empty when there are none). */
  items: GalleryItem[];
  /** Why there are no items, when there are none. */
  note?: string;
}

/**
 * Escapes text for HTML content and attribute values.
 *
 * @param text Any text.
 * @returns The escaped text.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./pages.ts";
 * if (escapeHtml('<a href="x">') !== "&lt;a href=&quot;x&quot;&gt;") throw new Error();
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

const pct = (v: number | undefined | null) =>
  typeof v === "number" && Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "–";
const num = (v: unknown, digits = 1) =>
  typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "–";

const CSS = `
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--accent:#3b6fb6}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1.5rem;align-items:baseline;flex-wrap:wrap}
header .brand{font-weight:700;letter-spacing:.02em}
header a{color:#cfd8e3;text-decoration:none}header a:hover,header a.active{color:#fff;text-decoration:underline}
main{max-width:1280px;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.4rem;margin:.8rem 0 .2rem;word-break:break-all}h2{font-size:1.1rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:.95rem;margin:1rem 0 .3rem;color:var(--muted)}
.muted,.note{color:var(--muted)}.note{background:#fff;border-left:3px solid var(--accent);padding:.5rem .8rem}
.warn{border-left-color:#e15759}
code{background:#eef1f5;padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{background:#eef1f5;position:sticky;top:0}td.t,th.t{text-align:left}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:hover{background:#e0e6ee}
th[data-dir=asc]::after{content:" \\25B2"}th[data-dir=desc]::after{content:" \\25BC"}
tbody tr:hover{background:#f2f6fc}
.scroll{overflow-x:auto}
.grid{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-start}
.card{margin-top:.8rem;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem}
figure{margin:0}figure h2,figure h3{border:0;margin:.2rem 0}
svg{max-width:100%;height:auto}
pre{background:#fff;border:1px solid var(--line);padding:.6rem;overflow:auto;max-height:28rem;font-size:12px}
dl.kv{display:grid;grid-template-columns:max-content auto;gap:.1rem 1rem;margin:0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
.gallery{display:grid;gap:.4rem}
.gallery .row{display:flex;gap:.6rem;align-items:center;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.3rem .5rem}
.gallery .cell{display:flex;flex-direction:column;align-items:center;font-size:11px;width:64px}
.gallery img{width:56px;height:56px;image-rendering:pixelated;border:2px solid transparent}
.gallery .query img{border-color:var(--accent)}.gallery .bad{color:#c0392b}.gallery .good{color:#2e7d32}
.gallery .sep{width:1px;align-self:stretch;background:var(--line)}
.gallery img.same{border-color:#59a14f}.gallery img.other{border-color:#e15759}
.badge{display:inline-block;background:#e15759;color:#fff;border-radius:3px;padding:0 .35em;font-size:11px;font-weight:600;vertical-align:1px}
td.good{color:#2e7d32;font-weight:600}td.bad{color:#c0392b;font-weight:600}
p.answer{font-size:15px;margin:.4rem 0}
.plot figcaption,.plot>figure>h2,.plot>figure>h3{max-width:560px}
.dl{font-size:12px;color:var(--muted);margin:.3rem 0 0}.dl a{margin-left:.4em}
.legend{max-width:560px;font-size:11px;margin-top:.3rem}.legend .grp{margin:.15rem 0}
.legend button{font:inherit;border:1px solid var(--line);background:#fff;border-radius:3px;padding:0 .35em;margin:1px;cursor:pointer;line-height:1.5}
.legend button i{display:inline-block;width:.75em;height:.75em;border-radius:50%;margin-right:.25em;vertical-align:-1px}
.legend button.cat{font-weight:600;border-color:transparent;background:none}
.legend button.off{opacity:.35;text-decoration:line-through}
figure[data-split] g.pts{cursor:crosshair}
.xtip{position:fixed;z-index:20;pointer-events:none;background:#fff;border:1px solid var(--line);box-shadow:0 2px 8px rgba(0,0,0,.18);border-radius:6px;padding:.35rem .5rem;font-size:12px;display:flex;gap:.5rem;align-items:flex-start;max-width:340px}
.xtip[hidden],.xpanel[hidden]{display:none}
.thumb{display:inline-block;position:relative;overflow:hidden;flex:none;border:2px solid transparent;box-sizing:content-box;background:#eef1f5}
.thumb img{position:absolute;max-width:none}
.xtip .same{color:#2e7d32}.xtip .other{color:#c0392b}.xtip .nn{margin-top:.2rem}
.xpanel{position:fixed;z-index:21;right:1rem;bottom:1rem;background:#fff;border:1px solid var(--line);box-shadow:0 4px 16px rgba(0,0,0,.2);border-radius:8px;padding:.6rem .8rem;font-size:12px;max-width:480px}
.xpanel .q{display:flex;gap:.6rem;align-items:center;margin-bottom:.4rem}
.xpanel .q .thumb{border-color:var(--accent)}
.xpanel .row{display:flex;gap:.4rem;margin-bottom:.3rem}
.xpanel .cell{display:flex;flex-direction:column;align-items:center;width:64px}
.xpanel .cell .thumb{border-color:#59a14f}.xpanel .cell.other .thumb{border-color:#e15759}.xpanel .cell.other .name{color:#c0392b;font-weight:600}
.xpanel .close{position:absolute;right:.4rem;top:.1rem;border:0;background:none;font-size:18px;cursor:pointer;color:var(--muted)}
.xpanel .bad{color:#c0392b;font-weight:600}.xpanel .good{color:#2e7d32}
`;

const SORT_SCRIPT = `
document.querySelectorAll("table.sortable").forEach(function(t){
  t.querySelectorAll("thead th").forEach(function(th,i){
    th.addEventListener("click",function(){
      var dir=th.dataset.dir==="asc"?"desc":"asc";
      t.querySelectorAll("thead th").forEach(function(h){delete h.dataset.dir});
      th.dataset.dir=dir;
      var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
      var key=function(r){var c=r.cells[i],v=c.dataset.v!==undefined?c.dataset.v:c.textContent,n=parseFloat(v);return isNaN(n)?v:n};
      rows.sort(function(a,b){var x=key(a),y=key(b);var c=typeof x==="number"&&typeof y==="number"?x-y:String(x).localeCompare(String(y));return dir==="asc"?c:-c});
      rows.forEach(function(r){body.appendChild(r)});
    });
  });
});`;

/**
 * The figures' script: download links (SVG: the figure's Plot SVGs, swatch legends, title
 * and caption composed into one SVG with XMLSerializer; PNG: that SVG drawn on a canvas
 * through an Image), and projection legends (click hides or shows a class or category,
 * shift-click isolates it or, when it already is, shows all). Works from file://.
 */
const FIGURE_SCRIPT = `
(function(){
var NS="http://www.w3.org/2000/svg";
function el(tag,attrs,text){var e=document.createElementNS(NS,tag);for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!=null)e.textContent=text;return e}
function compose(fig){
  var plot=fig.querySelector(".plot > *");if(!plot)return null;
  var kids=plot.localName==="svg"?[plot]:[].slice.call(plot.children);
  var svgs=kids.filter(function(k){return k.localName==="svg"});
  var W=Math.max.apply(null,svgs.map(function(s){return +s.getAttribute("width")||s.getBoundingClientRect().width}));
  var out=el("svg",{xmlns:NS,"font-family":"system-ui, sans-serif"}),body=el("g",{transform:"translate(8,8)"}),y=0;
  function lines(text,size,weight){
    var words=text.trim().split(/\\s+/),line="",max=Math.max(20,Math.floor(W/(size*0.55)));
    function put(){if(!line)return;body.appendChild(el("text",{x:0,y:y+size,"font-size":size,"font-weight":weight||"normal"},line));y+=size*1.35;line=""}
    words.forEach(function(w){if(line&&(line+" "+w).length>max)put();line=line?line+" "+w:w});put();y+=4;
  }
  var heading=fig.querySelector(":scope > h3");if(heading)lines(heading.textContent,13,"bold");
  kids.forEach(function(k){
    if(k.localName==="h2"||k.localName==="h3")lines(k.textContent,k.localName==="h2"?15:12,k.localName==="h2"?"bold":"normal");
    else if(k.localName==="figcaption")lines(k.textContent,11);
    else if(k.localName==="svg"){
      var vb=(k.getAttribute("viewBox")||"0 0").split(/[ ,]+/).map(Number);
      var g=el("g",{transform:"translate("+(-vb[0]||0)+","+(y-(vb[1]||0))+")"});
      ["class","fill","font-family","font-size","font-variant","text-anchor"].forEach(function(a){if(k.hasAttribute(a))g.setAttribute(a,k.getAttribute(a))});
      [].slice.call(k.childNodes).forEach(function(c){g.appendChild(c.cloneNode(true))});
      body.appendChild(g);y+=+k.getAttribute("height")||k.getBoundingClientRect().height;y+=4;
    }else if(/swatches/.test(k.getAttribute("class")||"")){
      var x=0,h=16;
      [].slice.call(k.querySelectorAll("[class$=-swatch]")).forEach(function(sw){
        var label=sw.textContent.trim(),w=15+5+label.length*6;
        if(x>0&&x+w>W){x=0;y+=h}
        var sq=sw.querySelector("svg"),g=el("g",{transform:"translate("+x+","+y+")"});
        if(sq){var inner=el("svg",{width:15,height:15,fill:sq.getAttribute("fill")||"none",stroke:sq.getAttribute("stroke")||"none"});[].slice.call(sq.childNodes).forEach(function(c){inner.appendChild(c.cloneNode(true))});g.appendChild(inner)}
        g.appendChild(el("text",{x:20,y:11,"font-size":10},label));body.appendChild(g);x+=w+10;
      });y+=h+8;
    }
  });
  var w=Math.ceil(W+16),hh=Math.ceil(y+16);
  out.setAttribute("width",w);out.setAttribute("height",hh);out.setAttribute("viewBox","0 0 "+w+" "+hh);
  out.appendChild(el("rect",{width:w,height:hh,fill:"white"}));out.appendChild(body);
  return {text:new XMLSerializer().serializeToString(out),width:w,height:hh};
}
function save(blob,name){var a=document.createElement("a");a.href=URL.createObjectURL(blob);a.download=name;document.body.appendChild(a);a.click();setTimeout(function(){URL.revokeObjectURL(a.href);a.remove()},1000)}
document.addEventListener("click",function(e){
  var link=e.target.closest("a[data-download]");if(!link)return;
  e.preventDefault();
  var fig=link.closest("figure[id]"),svg=compose(fig);if(!svg)return;
  var name=(fig.dataset.name||fig.id)+"."+link.dataset.download;
  if(link.dataset.download==="svg")return save(new Blob([svg.text],{type:"image/svg+xml"}),name);
  var img=new Image();
  img.onload=function(){var c=document.createElement("canvas");c.width=2*svg.width;c.height=2*svg.height;var ctx=c.getContext("2d");ctx.scale(2,2);ctx.drawImage(img,0,0);c.toBlob(function(b){save(b,name)},"image/png")};
  img.src="data:image/svg+xml;charset=utf-8,"+encodeURIComponent(svg.text);
});
document.querySelectorAll(".legend").forEach(function(legend){
  var fig=legend.closest("figure[id]"),hidden=new Set();
  var entries=[].slice.call(legend.querySelectorAll("button[data-class]"));
  var all=entries.map(function(b){return b.dataset.class});
  function apply(){
    fig.querySelectorAll("svg [data-class]").forEach(function(m){m.style.display=hidden.has(m.getAttribute("data-class"))?"none":""});
    entries.forEach(function(b){b.classList.toggle("off",hidden.has(b.dataset.class))});
    legend.querySelectorAll("button[data-category]").forEach(function(b){
      var cs=[].slice.call(b.parentNode.querySelectorAll("button[data-class]"));
      b.classList.toggle("off",cs.every(function(c){return hidden.has(c.dataset.class)}));
    });
  }
  legend.addEventListener("click",function(e){
    var b=e.target.closest("button");if(!b)return;
    var set=b.dataset.class?[b.dataset.class]:b.dataset.category?[].slice.call(b.parentNode.querySelectorAll("button[data-class]")).map(function(c){return c.dataset.class}):all;
    if(!b.dataset.class&&!b.dataset.category){hidden.clear()}
    else if(e.shiftKey){
      var isolated=all.every(function(c){return hidden.has(c)!==(set.indexOf(c)>=0)});
      hidden=new Set(isolated?[]:all.filter(function(c){return set.indexOf(c)<0}));
    }else{
      var allHidden=set.every(function(c){return hidden.has(c)});
      set.forEach(function(c){if(allHidden)hidden.delete(c);else hidden.add(c)});
    }
    apply();
  });
});
})();`;

/**
 * The explorer's script: hovering a projection maps the mouse to the nearest drawn point of a
 * visible class (the points are read from the figure's compact paths, `M x y h0` each, in
 * {@linkcode projectionPointOrder}) and shows its class and split; with a data script
 * (`data-explorer`, loaded by a `<script src>` on the first hover, which works from file://)
 * also its thumbnail from the split's sprite sheet and its nearest training samples' classes.
 * A click pins a panel with the k nearest training images and their distances.
 */
const EXPLORER_SCRIPT = `
(function(){
var NS="http://www.w3.org/2000/svg";
var note=document.querySelector("[data-explorer]"),src=note?note.getAttribute("data-explorer"):null;
var base=src?src.replace(/[^\\/]*$/,""):"",data=null,state=src?"idle":"none",waiting=[];
function load(cb){
  if(data)return cb(data);
  if(state==="none"||state==="failed")return cb(null);
  waiting.push(cb);if(state==="loading")return;state="loading";
  var s=document.createElement("script");s.src=src;
  function done(){data=window.metriclabExplorer||null;state=data?"done":"failed";waiting.splice(0).forEach(function(f){f(data)})}
  s.onload=done;s.onerror=done;document.head.appendChild(s);
}
function esc(t){return String(t).replace(/[&<>"]/g,function(c){return{"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]})}
function pointsOf(fig){
  if(fig.__pts)return fig.__pts;
  var pts=[];
  fig.querySelectorAll("g.pts path[data-class]").forEach(function(p){
    var d=p.getAttribute("d")||"",re=/M(-?[\\d.]+)[ ,](-?[\\d.]+)/g,m,cls=p.getAttribute("data-class");
    while((m=re.exec(d)))pts.push({x:+m[1],y:+m[2],cls:cls,path:p,k:pts.length});
  });
  return fig.__pts=pts;
}
function nearest(fig,e){
  var g=fig.querySelector("g.pts"),svg=g&&g.ownerSVGElement,ctm=svg&&svg.getScreenCTM();
  if(!ctm)return null;
  var p=new DOMPoint(e.clientX,e.clientY).matrixTransform(ctm.inverse()),best=null,bd=100;
  pointsOf(fig).forEach(function(q){
    if(q.path.style.display==="none")return;
    var dx=q.x-p.x,dy=q.y-p.y,d=dx*dx+dy*dy;if(d<bd){bd=d;best=q}
  });
  return best&&{fig:fig,svg:svg,x:best.x,y:best.y,cls:best.cls,k:best.k};
}
function info(q,d){
  var split=q.fig.getAttribute("data-split"),f=d&&d.figures[q.fig.id],row=f?f.rows[q.k]:null;
  if(row==null)return{split:split,cls:q.cls,row:null};
  var s=d[split],k=d.k,nn=[];
  for(var j=0;j<k;j++){var t=s.nn[row*k+j];nn.push({row:t,cls:d.classNames[d.train.labels[t]],dist:s.dist[row*k+j]})}
  return{split:split,cls:d.classNames[s.labels[row]],row:row,nn:nn};
}
function thumb(d,split,row,size){
  var c=d.cols,col=row%c,line=Math.floor(row/c);
  return '<span class="thumb" style="width:'+size+'px;height:'+size+'px"><img alt="" src="'+esc(base+d.sprites[split])+'" style="width:'+(c*size)+'px;left:'+(-col*size)+'px;top:'+(-line*size)+'px"></span>';
}
var tip=document.createElement("div");tip.className="xtip";tip.hidden=true;document.body.appendChild(tip);
var panel=document.createElement("div");panel.className="xpanel";panel.hidden=true;document.body.appendChild(panel);
var marker=null,current=null;
function mark(q){
  if(!q){if(marker)marker.remove();marker=null;return}
  if(!marker||marker.ownerSVGElement!==q.svg){
    if(marker)marker.remove();
    marker=document.createElementNS(NS,"circle");
    [["class","xmark"],["r",5],["fill","none"],["stroke","#1d2330"],["stroke-width",1.5],["pointer-events","none"]].forEach(function(a){marker.setAttribute(a[0],a[1])});
    q.svg.appendChild(marker);
  }
  marker.setAttribute("cx",q.x);marker.setAttribute("cy",q.y);
}
function fill(q){
  var i=info(q,data),h=i.row!=null?thumb(data,i.split,i.row,64):"";
  h+='<div><b>'+esc(i.cls)+'</b> <span class="muted">'+i.split+(i.row!=null?" sample #"+i.row:"")+'</span>';
  if(i.nn)h+='<div class="nn">nearest training: '+i.nn.map(function(n){return '<span class="'+(n.cls===i.cls?"same":"other")+'">'+esc(n.cls)+'</span>'}).join(" ")+'</div><div class="muted">click to pin the images</div>';
  else if(state==="idle"||state==="loading")h+='<div class="muted">loading images…</div>';
  tip.innerHTML=h+'</div>';tip.hidden=false;
}
function place(e){
  var w=tip.offsetWidth,h=tip.offsetHeight,x=e.clientX+16,y=e.clientY+16;
  if(x+w>innerWidth-4)x=e.clientX-w-16;if(y+h>innerHeight-4)y=e.clientY-h-16;
  tip.style.left=Math.max(4,x)+"px";tip.style.top=Math.max(4,y)+"px";
}
function same(a,b){return a&&b&&a.fig===b.fig&&a.k===b.k}
document.addEventListener("mousemove",function(e){
  var fig=e.target.closest&&e.target.closest("figure[data-split]");
  var q=fig&&e.target.closest("svg")?nearest(fig,e):null;
  if(!q){if(current){current=null;tip.hidden=true;mark(null)}return}
  if(!same(q,current)){
    current=q;mark(q);fill(q);
    if(!data)load(function(d){if(d&&same(q,current)){fill(q);place(e)}});
  }
  place(e);
});
function pin(q){
  var i=info(q,data);if(i.row==null||!i.nn||!i.nn.length)return;
  var wrong=i.nn[0].cls!==i.cls;
  var h='<button type="button" class="close" title="Close">×</button><div class="q">'+thumb(data,i.split,i.row,64)+'<div><b>'+esc(i.cls)+'</b><br><span class="muted">'+i.split+' sample #'+i.row+'</span><br>'+(wrong?'<span class="bad">misclassified at k=1: '+esc(i.nn[0].cls)+'</span>':'<span class="good">correct at k=1</span>')+'</div></div><div class="row">';
  h+=i.nn.map(function(n){return '<div class="cell'+(n.cls===i.cls?"":" other")+'">'+thumb(data,"train",n.row,56)+'<span class="name">'+esc(n.cls)+'</span><span class="muted dist">'+n.dist.toFixed(3)+'</span></div>'}).join("");
  panel.innerHTML=h+'</div><div class="muted">The '+i.nn.length+' nearest training images by Euclidean distance in the embedding'+(i.split==="train"?", the sample itself left out":"")+'; red frames: another class.</div>';
  panel.hidden=false;
}
document.addEventListener("click",function(e){
  if(e.target.closest(".xpanel .close")){panel.hidden=true;return}
  var fig=e.target.closest("figure[data-split]");if(!fig||!e.target.closest("svg"))return;
  var q=nearest(fig,e);if(!q)return;
  load(function(d){if(d)pin(q)});
});
})();`;

/** Lowercase letters and digits joined by hyphens, for ids and file names. */
function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "x";
}

/** The navigation entry a page belongs to. */
export type Active = "index" | "compare" | "findings" | "run";

/**
 * Wraps a page body in the site's shell: head, inline style, navigation, optional script.
 *
 * @param title The page title.
 * @param body The body HTML.
 * @param root The relative path to the site root (`""` or `"../"`).
 * @param active The navigation entry to highlight.
 * @param script Inline script, if any.
 * @returns The HTML document.
 *
 * @example
 * ```ts
 * import { layout } from "./pages.ts";
 * if (!layout("x", "<p>hi</p>", "", "findings").includes('href="findings.html"')) throw new Error();
 * ```
 */
export function layout(
  title: string,
  body: string,
  root: string,
  active: Active,
  script = "",
): string {
  const link = (href: string, text: string, is: boolean) =>
    `<a href="${root}${href}"${is ? ' class="active"' : ""}>${text}</a>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · metriclab</title>
<style>${CSS}</style>
</head>
<body>
<header><span class="brand">metriclab report</span>${
    link("index.html", "All runs", active === "index")
  }${link("compare.html", "Compare", active === "compare")}${
    link("findings.html", "Findings", active === "findings")
  }</header>
<main>
${body}
</main>
${script ? `<script>${script}</script>` : ""}${
    /data-download=|class="legend"/.test(body) ? `\n<script>${FIGURE_SCRIPT}</script>` : ""
  }${/class="pts"/.test(body) ? `\n<script>${EXPLORER_SCRIPT}</script>` : ""}
</body>
</html>
`;
}

/**
 * The file of a run's page, relative to the site root.
 *
 * @param id The run id (its folder name).
 * @returns `runs/<id>.html`.
 *
 * @example
 * ```ts
 * import { runPagePath } from "./pages.ts";
 * if (runPagePath("a") !== "runs/a.html") throw new Error();
 * ```
 */
export function runPagePath(id: string): string {
  return `runs/${id}.html`;
}

/** The link to a run's page from the site root. */
function runHref(id: string): string {
  return `runs/${encodeURIComponent(id)}.html`;
}

function ksOf(runs: readonly RunRecord[]): string[] {
  const ks = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.summary.test.knnAccuracy)) ks.add(k);
  return [...ks].sort((a, b) => Number(a) - Number(b));
}

function dataLabel(run: RunRecord): string {
  const d = String(run.summary.data ?? "?");
  return d.includes("/") ? basename(d) : d;
}

/** A short label of a run for legends: loss/miner d<dim> s<seed>. */
function shortLabel(run: RunRecord): string {
  const s = run.summary;
  return `${s.loss}/${s.miner} d${s.dim} s${s.seed}`;
}

function uniqueLabels(runs: readonly RunRecord[]): Map<string, string> {
  const labels = runs.map(shortLabel);
  return new Map(runs.map((r, i) => [
    r.id,
    labels.filter((l) => l === labels[i]).length > 1 ? r.id : labels[i],
  ]));
}

/**
 * A figure in a card: `<figure id>` with its heading, the rendered Plot output in
 * `<div class="plot">`, anything after it (a legend) and the download links.
 */
function figureCard(
  id: string,
  svg: string,
  heading?: string,
  options: { name?: string; after?: string; attributes?: Record<string, string> } = {},
): string {
  const attributes = Object.entries(options.attributes ?? {})
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`).join("");
  return `<div class="card"><figure id="${escapeHtml(id)}" data-name="${
    escapeHtml(options.name ? `${options.name}-${id}` : id)
  }"${attributes}>${
    heading ? `<h3>${escapeHtml(heading)}</h3>` : ""
  }<div class="plot">${svg}</div>${
    options.after ?? ""
  }<p class="dl">Download<a href="#" data-download="svg">SVG</a><a href="#" data-download="png">PNG</a></p></figure></div>`;
}

/** The legend of a projection: class codes grouped by top category, each a toggle. */
function projectionLegend(key: ReturnType<typeof projectionColors>): string {
  const groups = key.groups.map((g) => {
    const head = key.groups.length > 1
      ? `<button type="button" class="cat" data-category="${escapeHtml(g.name)}" title="${
        escapeHtml(`${g.name}: click to hide or show, shift-click to isolate`)
      }">${escapeHtml(g.name)}</button>`
      : "";
    const classes = g.classes.map((c) =>
      `<button type="button" data-class="${escapeHtml(c.name)}" title="${
        escapeHtml(`${c.name}${c.family ? ` (${g.name}, ${c.family})` : ""}: ${c.count} points`)
      }"><i style="background:${c.color}"></i>${escapeHtml(c.name)}</button>`
    ).join("");
    return `<div class="grp">${head}${classes}</div>`;
  }).join("");
  return `<div class="legend">${groups}<div class="muted">Click a class or category to hide it, shift-click to show it alone; <button type="button" data-reset>show all</button></div></div>`;
}

function comparisonPoints(runs: readonly RunRecord[]): ComparisonPoint[] {
  const points: ComparisonPoint[] = [];
  for (const r of runs) {
    const s = r.summary;
    const base = { id: r.id, loss: s.loss, miner: s.miner, dim: s.dim, seed: s.seed };
    for (const [k, v] of Object.entries(s.test.knnAccuracy)) {
      points.push({ ...base, metric: `acc@${k}`, value: v });
    }
    if (typeof s.test.meanAveragePrecisionAtR === "number") {
      points.push({ ...base, metric: "MAP@R", value: s.test.meanAveragePrecisionAtR });
    }
  }
  const order = (m: string) => m === "MAP@R" ? Infinity : Number(m.slice(4));
  return points.sort((a, b) => order(a.metric) - order(b.metric));
}

/**
 * A table of mean ± sample standard deviation over seeds of test k=1 accuracy and MAP@R,
 * one row per (loss, miner, dim) cell, with the number of seeds.
 *
 * @param runs The runs of one dataset.
 * @returns The HTML table (empty string when there are no runs).
 *
 * @example
 * ```ts
 * import { seedTable } from "./pages.ts";
 * if (seedTable([]) !== "") throw new Error();
 * ```
 */
export function seedTable(runs: readonly RunRecord[]): string {
  if (!runs.length) return "";
  const cells = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const key = JSON.stringify([r.summary.loss, r.summary.miner, r.summary.dim]);
    cells.set(key, [...(cells.get(key) ?? []), r]);
  }
  const stat = (values: number[]) => {
    if (!values.length) return "–";
    const { mean, std } = meanAndSpread(values);
    return `${(100 * mean).toFixed(1)}${std === null ? "" : ` ± ${(100 * std).toFixed(1)}`}`;
  };
  const rows = [...cells].sort(([a], [b]) => a.localeCompare(b)).map(([key, group]) => {
    const [loss, miner, dim] = JSON.parse(key) as [string, string, number];
    const seeds = new Set(group.map((r) => r.summary.seed)).size;
    const acc = group.map((r) => r.summary.test.knnAccuracy["1"]).filter(Number.isFinite);
    const map = group.map((r) => r.summary.test.meanAveragePrecisionAtR)
      .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    return `<tr><td class="t">${escapeHtml(loss)}</td><td class="t">${escapeHtml(miner)}</td>` +
      `<td>${dim}</td><td>${stat(acc)}</td><td>${stat(map)}</td><td>${seeds}</td></tr>`;
  });
  return `<table class="seeds"><thead><tr><th class="t">loss</th><th class="t">miner</th>` +
    `<th>dim</th><th>acc@1 %</th><th>MAP@R %</th><th>seeds</th></tr></thead><tbody>\n${
      rows.join("\n")
    }\n</tbody></table>
<p class="muted">Mean ± sample standard deviation over seeds (no spread with one seed).</p>`;
}

function groupByData(runs: readonly RunRecord[]): Map<string, RunRecord[]> {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) groups.set(dataLabel(r), [...(groups.get(dataLabel(r)) ?? []), r]);
  return groups;
}

/** The reasons a run's summary.json records for its collapse, or null when it did not collapse. */
function collapseReasons(run: RunRecord): string[] | null {
  if (run.summary.collapsed !== true) return null;
  const c = run.summary.collapse as { reasons?: unknown } | undefined;
  return Array.isArray(c?.reasons) ? c.reasons.map(String) : [];
}

/**
 * The index page: every run in a sortable table, and per dataset a chart of accuracy by
 * loss x mining, coloured by dimension, one dot per seed with the mean of several seeds.
 *
 * @param runs The runs.
 * @param warnings Warnings to show (skipped runs).
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import { indexPage } from "./pages.ts";
 * if (!indexPage([]).includes("No finished runs")) throw new Error();
 * ```
 */
export function indexPage(runs: readonly RunRecord[], warnings: readonly string[] = []): string {
  const ks = ksOf(runs);
  const cell = (v: number | undefined, text: string) =>
    `<td data-v="${typeof v === "number" && Number.isFinite(v) ? v : "-Infinity"}">${text}</td>`;
  const rows = runs.map((r) => {
    const s = r.summary;
    const t = s.test;
    const badge = collapseReasons(r)
      ? ` <span class="badge" title="${
        escapeHtml(collapseReasons(r)!.join("; "))
      }">collapsed</span>`
      : "";
    return `<tr><td class="t"><a href="${runHref(r.id)}">${escapeHtml(r.id)}</a>${badge}</td>` +
      `<td class="t">${escapeHtml(dataLabel(r))}</td><td class="t">${escapeHtml(s.loss)}</td>` +
      `<td class="t">${escapeHtml(s.miner)}</td>${cell(s.dim, String(s.dim))}${
        cell(s.seed, String(s.seed))
      }${cell(s.epochs, String(s.epochs))}` +
      ks.map((k) => cell(t.knnAccuracy[k], pct(t.knnAccuracy[k]))).join("") +
      cell(t.precisionAt1, pct(t.precisionAt1)) +
      cell(t.meanAveragePrecisionAtR, pct(t.meanAveragePrecisionAtR)) +
      cell(s.trainSeconds, num(s.trainSeconds)) +
      `<td class="t">${escapeHtml(String(s.backend ?? "–"))}</td></tr>`;
  });
  const head = ["run", "data", "loss", "miner"].map((h) => `<th class="t">${h}</th>`).join("") +
    ["dim", "seed", "epochs", ...ks.map((k) => `acc@${k}`), "P@1", "MAP@R", "train s"]
      .map((h) => `<th>${h}</th>`).join("") +
    `<th class="t">backend</th>`;
  const charts = [...groupByData(runs)].map(([data, group]) =>
    `<h2>${escapeHtml(data)}: accuracy by loss and mining</h2>
<p class="muted">Test k-NN accuracy (Euclidean, against all training embeddings) and MAP@R; one column per loss and miner, one colour per embedding dimension, one circle per seed; a black tick marks the mean where there are several seeds. Each metric's axis is zoomed to its values (the axis says where it starts). Hover for the run.</p>
<div class="grid">${
      [...new Set(comparisonPoints(group).map((p) => p.metric))].map((metric) =>
        figureCard(
          `fig-summary-${slug(data)}-${slug(metric)}`,
          renderFigure(
            accuracyComparisonFigure(comparisonPoints(group).filter((p) => p.metric === metric)),
          ),
        )
      ).join("")
    }</div>
${seedTable(group)}`
  ).join("\n");
  const collapsed = runs.filter((r) => collapseReasons(r));
  const notes =
    (warnings.length
      ? `<div class="note warn"><strong>${warnings.length} warning(s)</strong><ul>${
        warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")
      }</ul></div>`
      : "") +
    (collapsed.length
      ? `<div class="note warn"><strong>${collapsed.length} run(s) collapsed</strong> (marked <span class="badge">collapsed</span>): their embedding fell onto a point or a line. The <a href="findings.html">findings</a> leave them out of every verdict.</div>`
      : "");
  const body = runs.length
    ? `<h1>Runs</h1><p class="muted">${runs.length} finished run(s). Click a column header to sort.</p>
${notes}
<div class="scroll"><table class="sortable" id="runs"><thead><tr>${head}</tr></thead><tbody>
${rows.join("\n")}
</tbody></table></div>
${charts}`
    : `<h1>Runs</h1>${notes}<p class="note">No finished runs found.</p>`;
  return layout("All runs", body, "", "index", runs.length ? SORT_SCRIPT : "");
}

function configSummary(run: RunRecord): string {
  const s = run.summary;
  const c = run.config;
  const describe = (v: Json | undefined) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const { name, ...rest } = v as Record<string, Json>;
      const opts = Object.entries(rest).filter(([, x]) => typeof x !== "object" || x === null)
        .map(([k, x]) => `${k}=${x}`).join(", ");
      return `${name}${opts ? ` (${opts})` : ""}`;
    }
    return v === undefined ? "–" : String(v);
  };
  const items: [string, string][] = [
    ["data", String(s.data)],
    ["loss", describe(c.loss ?? s.loss)],
    ["miner", describe(c.miner ?? s.miner)],
    ["embedding dim", String(s.dim)],
    ["seed", String(s.seed)],
    ["epochs", String(s.epochs)],
    ["batch size", String(c.batchSize ?? "–")],
    ["learning rate", String(c.learningRate ?? "–")],
    ["network", describe((c.model as Record<string, Json> | undefined)?.architecture)],
    ["train / test samples", `${s.numTrain ?? "–"} / ${s.numTest ?? "–"}`],
    ["classes", String(s.numClasses ?? run.classNames.length)],
    ["backend", `${s.backend ?? "–"}${s.threads ? `, ${s.threads} thread(s)` : ""}`],
    ["train time", `${num(s.trainSeconds)} s`],
  ];
  const t = s.test;
  const metrics: [string, string][] = [
    ...Object.entries(t.knnAccuracy).map(([k, v]) =>
      [`k-NN accuracy, k=${k}`, pct(v)] as [
        string,
        string,
      ]
    ),
    ["precision@1", pct(t.precisionAt1)],
    ["R-precision", pct(t.rPrecision)],
    ["MAP@R", pct(t.meanAveragePrecisionAtR)],
    ["NMI", num(t.nmi, 3)],
    ["AMI", num(t.ami, 3)],
  ];
  const dl = (kv: [string, string][]) =>
    `<dl class="kv">${
      kv.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("")
    }</dl>`;
  // The full config without the long class lists, which the figures already show.
  const dataset = c.dataset && typeof c.dataset === "object" && !Array.isArray(c.dataset)
    ? { ...c.dataset, classNames: "…", hierarchy: "…" }
    : c.dataset;
  const shown = { ...c, ...(dataset === undefined ? {} : { dataset }) };
  return `<div class="grid"><div class="card"><h3>Configuration</h3>${dl(items)}</div>
<div class="card"><h3>Test metrics</h3>${dl(metrics)}</div></div>
<details><summary>config.json</summary><pre>${
    escapeHtml(JSON.stringify(shown, null, 2))
  }</pre></details>`;
}

function galleryHtml(gallery: Gallery): string {
  if (!gallery.items.length) {
    return `<p class="note">${escapeHtml(gallery.note ?? "No gallery.")}</p>`;
  }
  const rows = gallery.items.map((item) => {
    const ok = item.trueName === item.predictedName;
    const query = `<div class="cell query"><img src="${item.src}" alt="${
      escapeHtml(item.trueName)
    }" title="test image, class ${escapeHtml(item.trueName)}"><span>${
      escapeHtml(item.trueName)
    }</span><span class="${ok ? "good" : "bad"}">${
      ok ? "correct" : `→ ${escapeHtml(item.predictedName)}`
    }</span></div>`;
    const neighbours = item.neighbours.map((n) =>
      `<div class="cell"><img class="${
        n.name === item.trueName ? "same" : "other"
      }" src="${n.src}" alt="${escapeHtml(n.name)}" title="${escapeHtml(n.name)}, distance ${
        n.distance.toFixed(3)
      }"><span>${escapeHtml(n.name)}</span><span class="muted">${
        n.distance.toFixed(2)
      }</span></div>`
    ).join("");
    return `<div class="row">${query}<div class="sep"></div>${neighbours}</div>`;
  });
  return `<p class="muted">Test images (blue frame) and their nearest training images by Euclidean distance in the embedding, nearest first; green frames share the test image's class, red ones do not. Misclassified images (k=1) come first.${
    gallery.note ? ` ${escapeHtml(gallery.note)}` : ""
  }</p><div class="gallery">${rows.join("\n")}</div>`;
}

/** One projection figure of a run page, as {@linkcode projectionPanels} lists them. */
export interface ProjectionPanel {
  /** The figure id (`fig-umap-train`, `fig-umap-test-in-train`, `fig-embedding-test`). */
  id: string;
  /** The heading of its group of figures. */
  group: string;
  /** The figure title. */
  title: string;
  /** Which split its points are. */
  split: "train" | "test";
  /** The projection drawn. */
  projection: Projection;
  /** The training map drawn in grey under it, if any. */
  background?: Projection;
}

/**
 * The projection figures of a run page, in page order: the d = 2 embedding itself, then per
 * method (UMAP, t-SNE, PCA) train, test, and test placed into the train map.
 *
 * @param run The run.
 * @returns The panels (empty without projections).
 *
 * @example
 * ```ts
 * import { projectionPanels } from "./pages.ts";
 * import { readRun } from "./read_runs.ts";
 * const { run } = await readRun(new URL("../../tests/fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url).pathname);
 * if (projectionPanels(run)[0].id !== "fig-umap-train") throw new Error();
 * ```
 */
export function projectionPanels(run: RunRecord): ProjectionPanel[] {
  const p = run.projections;
  if (!p) return [];
  const panels: ProjectionPanel[] = [];
  if (p.embedding) {
    for (const side of ["train", "test"] as const) {
      panels.push({
        id: `fig-embedding-${side}`,
        group: "The embedding itself (d = 2)",
        title: `Embedding of ${side}`,
        split: side,
        projection: p.embedding[side] as unknown as Projection,
      });
    }
  }
  const NAMES = { umap: "UMAP", tsne: "t-SNE", pca: "PCA" } as const;
  for (const m of ["umap", "tsne", "pca"] as const) {
    const train = p.train[m], test = p.test[m], placed = p.testInTrain?.[m];
    if (!train && !test) continue;
    const group = `${NAMES[m]}: train, test, and test placed into the train map`;
    if (train) {
      panels.push({
        id: `fig-${m}-train`,
        group,
        title: `${NAMES[m]} of train`,
        split: "train",
        projection: train,
      });
    }
    if (test) {
      panels.push({
        id: `fig-${m}-test`,
        group,
        title: `${NAMES[m]} of test, fitted separately`,
        split: "test",
        projection: test,
      });
    }
    if (placed) {
      panels.push({
        id: `fig-${m}-test-in-train`,
        group,
        title: `${NAMES[m]} of test, in the train map`,
        split: "test",
        projection: placed,
        background: train,
      });
    }
  }
  return panels;
}

/** Options of {@linkcode runPage}. */
export interface RunPageOptions {
  /** The gallery, or null to leave it out. */
  gallery?: Gallery | null;
  /**
   * The image explorer: `src`, the URL of its data script relative to the page (it names the
   * sprite sheets), or a `note` saying why there is none. Without it, hovering a point still
   * shows its class and split.
   */
  explorer?: { src: string } | { note: string } | null;
  /** A hierarchy that overrides the run's own (a `--hierarchy` file). */
  hierarchy?: readonly ClassInfo[] | null;
}

/**
 * A run's page: configuration, loss and mined tuples per epoch, accuracy per k, per-class
 * accuracy, confusion matrix, projections of train and test, and the neighbour gallery.
 *
 * @param run The run.
 * @param options Gallery and hierarchy.
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import { runPage } from "./pages.ts";
 * import { readRun } from "./read_runs.ts";
 * const { run } = await readRun(new URL("../../tests/fixtures/runs/synthetic-triplet-semihard-d4-s0-fixture", import.meta.url).pathname);
 * if (!runPage(run).includes("<svg")) throw new Error("no charts");
 * ```
 */
export function runPage(run: RunRecord, options: RunPageOptions = {}): string {
  const reasons = collapseReasons(run);
  const parts: string[] = [
    `<h1>${escapeHtml(run.id)}</h1><p class="muted"><a href="../index.html">← all runs</a></p>`,
    reasons
      ? `<div class="note warn"><strong>This run's embedding collapsed</strong>${
        reasons.length ? `: ${escapeHtml(reasons.join("; "))}` : ""
      }. The <a href="../findings.html">findings</a> leave it out of every verdict.</div>`
      : "",
    configSummary(run),
    `<h2>Training</h2>`,
  ];
  if (run.epochs.length) {
    const figures = [
      figureCard("fig-loss", renderFigure(lossCurveFigure(run.epochs)), "Loss per epoch", {
        name: run.id,
      }),
    ];
    if (run.epochs.some((e) => typeof e.minedTuplesPerBatch === "number")) {
      figures.push(
        figureCard(
          "fig-mined",
          renderFigure(minedTuplesFigure(run.epochs)),
          "Mined tuples per batch",
          { name: run.id },
        ),
      );
    }
    parts.push(`<div class="grid">${figures.join("")}</div>`);
  } else parts.push(`<p class="note">No epoch records in metrics.jsonl.</p>`);
  parts.push(
    `<h2>Test accuracy</h2><div class="grid">${
      figureCard(
        "fig-accuracy-k",
        renderFigure(accuracyPerKFigure(run.summary.test.knnAccuracy)),
        "k-NN accuracy per k",
        { name: run.id },
      )
    }</div>`,
  );
  const ev = run.evaluation;
  const names = run.classNames;
  if (ev && Object.keys(ev.knn).length) {
    const k = Object.keys(ev.knn).sort((a, b) => Number(a) - Number(b))[0];
    const d = ev.knn[k];
    parts.push(`<h2>Per class (k=${escapeHtml(k)})</h2><div class="grid">`);
    if (Array.isArray(d.perClassAccuracy)) {
      parts.push(figureCard(
        "fig-per-class",
        renderFigure(perClassAccuracyFigure(names, d.perClassAccuracy, ev.testCountPerClass)),
        "Accuracy per class, worst first",
        { name: run.id },
      ));
    }
    if (Array.isArray(d.confusion)) {
      parts.push(figureCard(
        "fig-confusion",
        renderFigure(confusionFigure(names, d.confusion)),
        "Confusion matrix (rows: true class, shade: share of the row)",
        { name: run.id },
      ));
    }
    parts.push(`</div>`);
  } else {parts.push(
      `<p class="note">No evaluation.json: run <code>deno task evaluate --run ${
        escapeHtml(run.dir)
      }</code>.</p>`,
    );}
  parts.push(`<h2>Projections</h2>`);
  const hierarchy = options.hierarchy ?? run.hierarchy;
  const panels = projectionPanels(run);
  if (panels.length) {
    const explorer = options.explorer ?? null;
    parts.push(
      `<p class="muted explorer-note"${
        explorer && "src" in explorer ? ` data-explorer="${escapeHtml(explorer.src)}"` : ""
      }>Hover a point for its class${
        explorer && "src" in explorer
          ? ", its image and its nearest training samples' classes; click it to pin its 5 nearest training images with their distances (red frames: another class)"
          : ""
      }.${explorer && "note" in explorer ? ` ${escapeHtml(explorer.note)}` : ""}</p>`,
    );
    const card = (panel: ProjectionPanel) => {
      const figure = projectionFigure(panel.projection, names, {
        hierarchy,
        title: panel.title,
        background: panel.background,
        compact: true,
      });
      // The page's own legend (below) replaces Plot's swatches: it can filter.
      const color = { ...(figure.color ?? {}), legend: false };
      return figureCard(panel.id, renderFigure({ ...figure, color }), undefined, {
        name: run.id,
        after: projectionLegend(projectionColors(panel.projection, names, { hierarchy })),
        attributes: { "data-split": panel.split },
      });
    };
    let group = "";
    for (const panel of panels) {
      if (panel.group !== group) {
        parts.push(`${group ? "</div>" : ""}<h3>${escapeHtml(panel.group)}</h3><div class="grid">`);
        group = panel.group;
      }
      parts.push(card(panel));
    }
    parts.push(`</div>`);
  } else {
    parts.push(
      `<p class="note">No projections yet: <code>deno task project --run ${
        escapeHtml(run.dir)
      }</code> makes UMAP, t-SNE and PCA of the embeddings.</p>`,
    );
  }
  if (options.gallery !== null) {
    parts.push(
      `<h2>Nearest neighbours</h2>`,
      galleryHtml(options.gallery ?? { items: [], note: "No gallery." }),
    );
  }
  return layout(run.id, parts.join("\n"), "../", "run");
}

/** A titled set of runs for {@linkcode comparePage}. */
export interface CompareGroup {
  /** The heading of the group. */
  title: string;
  /** The runs of the group. */
  runs: RunRecord[];
}

/**
 * The comparison page: for each group, the runs side by side (metrics table, accuracy per k
 * and MAP@R, loss curves, per-class accuracy).
 *
 * @param groups The groups of runs to compare.
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import { comparePage } from "./pages.ts";
 * if (!comparePage([]).includes("Nothing to compare")) throw new Error();
 * ```
 */
export function comparePage(groups: readonly CompareGroup[]): string {
  const sections = groups.map(({ title, runs }) => {
    const labels = uniqueLabels(runs);
    const ks = ksOf(runs);
    const metricRows: [string, (r: RunRecord) => string][] = [
      ["data", (r) => escapeHtml(dataLabel(r))],
      ["loss", (r) => escapeHtml(r.summary.loss)],
      ["miner", (r) => escapeHtml(r.summary.miner)],
      ["dim", (r) => String(r.summary.dim)],
      ["seed", (r) => String(r.summary.seed)],
      ["epochs", (r) => String(r.summary.epochs)],
      ...ks.map((k) =>
        [`acc@${k}`, (r: RunRecord) => pct(r.summary.test.knnAccuracy[k])] as [
          string,
          (r: RunRecord) => string,
        ]
      ),
      ["P@1", (r) => pct(r.summary.test.precisionAt1)],
      ["MAP@R", (r) => pct(r.summary.test.meanAveragePrecisionAtR)],
      ["train s", (r) => num(r.summary.trainSeconds)],
      ["backend", (r) => escapeHtml(String(r.summary.backend ?? "–"))],
    ];
    const table = `<div class="scroll"><table><thead><tr><th class="t"></th>${
      runs.map((r) =>
        `<th><a href="${runHref(r.id)}" title="${escapeHtml(r.id)}">${
          escapeHtml(labels.get(r.id)!)
        }</a></th>`
      ).join("")
    }</tr></thead><tbody>${
      metricRows.map(([name, f]) =>
        `<tr><td class="t">${name}</td>${runs.map((r) => `<td>${f(r)}</td>`).join("")}</tr>`
      ).join("")
    }</tbody></table></div>`;
    const acc: RunValue[] = [];
    const loss: RunValue[] = [];
    const perClass: RunValue[] = [];
    for (const r of runs) {
      const run = labels.get(r.id)!;
      for (const k of ks) {
        const v = r.summary.test.knnAccuracy[k];
        if (typeof v === "number") acc.push({ run, key: `acc@${k}`, value: v });
      }
      const map = r.summary.test.meanAveragePrecisionAtR;
      if (typeof map === "number") acc.push({ run, key: "MAP@R", value: map });
      for (const e of r.epochs) {
        loss.push({ run, key: String(e.epoch), value: e.loss, facet: r.summary.loss });
      }
      const k1 = r.evaluation?.knn?.[ks[0]]?.perClassAccuracy;
      if (Array.isArray(k1)) {
        k1.forEach((v, i) => perClass.push({ run, key: r.classNames[i] ?? String(i), value: v }));
      }
    }
    const id = `fig-compare-${slug(title)}`;
    const figures = [
      figureCard(
        `${id}-accuracy`,
        renderFigure(compareAccuracyFigure(acc)),
        "Test accuracy and MAP@R",
      ),
    ];
    if (loss.length) {
      figures.push(
        figureCard(
          `${id}-loss`,
          renderFigure(compareLossFigure(loss)),
          "Loss per epoch, one panel per loss",
        ),
      );
    }
    const perClassFigure = perClass.length
      ? figureCard(
        `${id}-per-class`,
        renderFigure(comparePerClassFigure(perClass)),
        `Accuracy per class (k=${ks[0]}), worst on average first`,
      )
      : "";
    return `<h2>${escapeHtml(title)}</h2>${table}<div class="grid">${
      figures.join("")
    }</div>${perClassFigure}`;
  });
  const body = groups.length
    ? `<h1>Compare runs</h1>${sections.join("\n")}`
    : `<h1>Compare runs</h1><p class="note">Nothing to compare: no finished runs.</p>`;
  return layout("Compare runs", body, "", "compare");
}
